# bash completion for ezkvm(1): commands, their options and VM names.
# VM names come from `ezkvm [--user] complete-vms` (the installed VM files).

_ezkvm_vms()
{
    "${COMP_WORDS[0]}" $1 complete-vms 2>/dev/null
}

_ezkvm()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands="check show run list start stop restart status logs console qmp monitor view pin host import"
    local i word cmd="" user="" positional=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            --user) user=--user ;;
            --timeout | --lines | -n | --name | --storage | -o | --output | --version) ((i++)) ;;  # take a value
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd=$word; else ((positional++)); fi ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--user --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local options="--help" vm_and_files=0 vms_only=0 max=1
    case $cmd in
        check) options+=" --quiet -q"; vm_and_files=1; max=-1 ;;
        show) options+=" --shell --json --resolved --units"; vm_and_files=1 ;;
        run) options+=" --console"; vm_and_files=1 ;;
        list) options+=" --json"; max=0 ;;
        host) options+=" --refresh --json"; max=0 ;;
        pin) options+=" --version"; vm_and_files=1 ;;
        start) options+=" --print-systemd-run"; vm_and_files=1 ;;
        stop) options+=" --force -f"; vms_only=1 ;;
        restart | console | monitor) vms_only=1 ;;
        status) options+=" --json"; vms_only=1 ;;
        logs) options+=" --follow -f --lines -n"; vms_only=1 ;;
        view) options+=" --print --timeout"; vms_only=1 ;;
        qmp) vms_only=1 ;;
        import)
            # import proxmox CONFIG [--name NAME] [--storage ID=PATH]... [-o FILE]
            if ((positional == 0)); then
                if [[ $cur == -* ]]; then
                    COMPREPLY=($(compgen -W "--help" -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "proxmox" -- "$cur"))
                fi
            elif [[ $prev == -o || $prev == --output ]]; then
                COMPREPLY=($(compgen -f -- "$cur"))
            elif [[ $prev == --name || $prev == --storage ]]; then
                :  # a name, or ID=PATH
            elif [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--help --name --storage -o --output" -- "$cur"))
            else
                COMPREPLY=($(compgen -f -X '!*.conf' -- "$cur") $(compgen -d -S / -- "$cur"))
                compopt -o nospace 2>/dev/null
            fi
            return ;;
        *) return ;;
    esac

    if [[ $prev == --timeout || $prev == --lines || $prev == -n || ($cmd == pin && $prev == --version) ]]; then
        return  # a number
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    if [[ $cmd == qmp && $positional -eq 1 ]]; then
        COMPREPLY=($(compgen -W "query-status query-block query-cpus-fast query-name query-version system_powerdown system_reset stop cont quit human-monitor-command" -- "$cur"))
        return
    fi
    if ((max >= 0 && positional >= max)); then
        return
    fi
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$(_ezkvm_vms "$user")" -- "$cur"))
    if ((vm_and_files)); then
        COMPREPLY+=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -d -S / -- "$cur"))
        compopt -o nospace 2>/dev/null
        # A complete name gets its space back; a directory keeps going.
        if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} != */ ]]; then
            compopt +o nospace 2>/dev/null
        fi
    fi
}

complete -F _ezkvm ezkvm
