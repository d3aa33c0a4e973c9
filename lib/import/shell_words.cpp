#include "import/shell_words.hpp"

namespace ezkvm::import {

std::optional<std::vector<std::string>> split_shell_words(std::string_view text, std::string& error)
{
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
            continue;
        }
        if (c == '\\' && quote != '\'') {
            if (i + 1 == text.size()) {
                error = "a backslash ends the text";
                return std::nullopt;
            }
            word += text[++i];
            in_word = true;
            continue;
        }
        if (quote == '"') {
            if (c == '"')
                quote = 0;
            else
                word += c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word)
                words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote) {
        error = std::string("an unterminated ") + (quote == '"' ? "double" : "single") + " quote";
        return std::nullopt;
    }
    if (in_word)
        words.push_back(std::move(word));
    return words;
}

}  // namespace ezkvm::import
