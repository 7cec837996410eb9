# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for ctaudit(8).  Options come from each command's --help,
# profile names from `ctaudit profiles list` and rule ids from
# `ctaudit explain --all --format json`, so they follow the installed catalog
# and the site's /etc/ctaudit files without a list to keep up to date here.

_ctaudit_commands="facts audit explain profiles validate plan apply rollback top"

_ctaudit_options()
{
	"$1" "$2" --help 2>/dev/null |
		grep -o -- '--[a-z][a-z-]*=\{0,1\}' | sort -u
}

_ctaudit_profiles()
{
	"$1" profiles list 2>/dev/null | awk '{ print $1 }'
	echo auto
}

_ctaudit_rules()
{
	"$1" explain --all --format json 2>/dev/null |
		sed -n 's/^ *"id": "\([^"]*\)",\{0,1\}$/\1/p'
}

_ctaudit()
{
	local cur prev words cword
	_init_completion -s || return

	local prog=${words[0]} cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_ctaudit_commands" -- "$cur"))
		fi
		return
	fi

	case $prev in
	-p | --profile)
		COMPREPLY=($(compgen -W "$(_ctaudit_profiles "$prog")" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W 'text json' -- "$cur"))
		[[ $cmd == explain ]] && COMPREPLY+=($(compgen -W markdown -- "$cur"))
		return ;;
	--fail-on)
		COMPREPLY=($(compgen -W 'critical high medium low info' -- "$cur"))
		return ;;
	--color | --colour)
		COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
		return ;;
	--emit)
		COMPREPLY=($(compgen -W 'sysctl iptables nft' -- "$cur"))
		return ;;
	--netns)
		COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur"))
		return ;;
	--root | --profile-dir)
		_filedir -d
		return ;;
	-o | --output | --facts | --report | --sysctl-file)
		_filedir
		return ;;
	--netns-pid | --kernel | --by | --filter | --state | -n | --top | --jobs | --interval | --netns-filter | --count | --max-keys)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_ctaudit_options "$prog" "$cmd")" -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi

	case $cmd in
	explain)
		COMPREPLY=($(compgen -W "$(_ctaudit_rules "$prog")" -- "$cur")) ;;
	profiles)
		if [[ ${words[cword - 1]} == show ]]; then
			COMPREPLY=($(compgen -W "$(_ctaudit_profiles "$prog")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'list show' -- "$cur"))
		fi ;;
	top)
		COMPREPLY=($(compgen -W 'conntrack timewait' -- "$cur")) ;;
	validate)
		_filedir yaml ;;
	esac
} &&
	complete -F _ctaudit ctaudit
