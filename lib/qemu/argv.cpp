#include "qemu/argv.hpp"

namespace ezkvm::qemu {

std::string escape_option_value(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        out += c;
        if (c == ',')
            out += ',';
    }
    return out;
}

Opts::Opts(std::string_view head) : text_(escape_option_value(head)) {}

void Opts::sep()
{
    if (!text_.empty())
        text_ += ',';
}

Opts& Opts::set(std::string_view key, std::string_view value)
{
    sep();
    text_ += key;
    text_ += '=';
    text_ += escape_option_value(value);
    return *this;
}

Opts& Opts::set(std::string_view key, unsigned long long value) { return set(key, std::to_string(value)); }

Opts& Opts::set(std::string_view key, int value) { return set(key, std::to_string(value)); }

Opts& Opts::on(std::string_view key, bool value) { return set(key, value ? "on" : "off"); }

Opts& Opts::raw(std::string_view fragment)
{
    sep();
    text_ += fragment;
    return *this;
}

}  // namespace ezkvm::qemu
