# SPDX-License-Identifier: GPL-2.0
#
# kactl's command line on the host, where the module is never loaded:
# usage errors exit 2 and point to --help, a missing module exits 1 and
# says how to load it.
#
# Every case runs kactl built with ASan and UBSan (make kactl-asan; the
# unit stage of tests/run-tests.sh builds it), uninitialized locals set
# to a pattern (userspace/Makefile): a report of either sanitizer, a
# leak included, ends kactl with status 99, which no case expects (kactl
# exits 0, 1 or 2), so it fails the case. Every case therefore checks
# kactl's exit status.
KACTL=${KACTL:-$PWD/tests/.build/kactl-asan/kactl}
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99

before_each() {
	[ -x "$KACTL" ] || fail "no $KACTL: build it with 'make kactl-asan'"
}

# Not a plain kactl by mistake: the sanitizers are linked in.
test_kactl_is_built_with_asan_and_ubsan() {
	local syms
	syms=$(nm "$KACTL")
	grep -q ' __asan_init$' <<<"$syms" || fail "$KACTL: no ASan"
	grep -q ' __ubsan_handle_' <<<"$syms" || fail "$KACTL: no UBSan"
}

test_version_option_needs_no_module() {
	local out
	out=$("$KACTL" -V)
	assert_eq "$out" "kactl $(cat VERSION)" "kactl -V"
}

test_help_exits_0() {
	local out
	out=$("$KACTL" --help)
	grep -q '^Usage: kactl' <<<"$out"
}

test_unknown_command_is_usage_error() {
	expect_fail 2 "$KACTL" frobnicate
	assert_match "$EXPECT_STDERR" "unknown command 'frobnicate'" "stderr"
	assert_match "$EXPECT_STDERR" "kactl --help" "stderr"
}

test_unknown_option_is_usage_error() {
	expect_fail 2 "$KACTL" --frobnicate stats
	assert_match "$EXPECT_STDERR" "kactl --help" "stderr"
}

test_no_command_is_usage_error() {
	expect_fail 2 "$KACTL"
	assert_match "$EXPECT_STDERR" "no command given" "stderr"
}

test_prefix_of_command_is_not_accepted() {
	expect_fail 2 "$KACTL" stat
}

test_missing_module_is_reported() {
	expect_fail 1 "$KACTL" stats
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "stderr"
	assert_match "$EXPECT_STDERR" "modprobe ka_policy" "stderr"
	assert_eq "$EXPECT_STDOUT" "" "stdout"
}

# expect_usage MESSAGE ARGS...: kactl ARGS must exit 2 with exactly
# "kactl: MESSAGE" and the pointer to --help on stderr, and print nothing.
# The module is never loaded here, so exit 2 (not 1) also shows that the
# command line is checked before kactl looks for the module.
expect_usage() {
	local msg=$1
	shift
	expect_fail 2 "$KACTL" "$@"
	assert_eq "$EXPECT_STDERR" "kactl: $msg
Try 'kactl --help' for more information." "stderr of kactl $*"
	assert_eq "$EXPECT_STDOUT" "" "stdout of kactl $*"
}

test_help_lists_every_command_and_option() {
	local help word
	help=$("$KACTL" --help)
	for word in add set del list flush stats save load version monitor; do
		echo "$help" | grep -qE "^  $word( |$)" || fail "--help lacks command $word"
	done
	for word in --default --port --dir --cgroup --off --idle --intvl --cnt \
		--user-timeout --mode --json --pretty --version --help; do
		echo "$help" | grep -qe "$word" || fail "--help lacks option $word"
	done
}

test_monitor_takes_only_known_event_types() {
	expect_usage "monitor: unknown event type 'applied' (known: timeout)" monitor applied
	expect_usage "monitor: unknown event type 'nonsense' (known: timeout)" monitor timeout nonsense
}

test_monitor_without_module_is_reported() {
	expect_fail 1 "$KACTL" monitor
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "stderr"
	assert_eq "$EXPECT_STDOUT" "" "stdout"
}

test_add_set_and_del_need_a_selector() {
	expect_usage "add needs a selector: --default, --port or --cgroup" add
	expect_usage "add needs a selector: --default, --port or --cgroup" add --idle 60
	expect_usage "set needs a selector: --default, --port or --cgroup" set
	expect_usage "set needs a selector: --default, --port or --cgroup" set --idle 60
	expect_usage "del needs a selector: --default, --port or --cgroup" del
}

# add parses as set does: the same words, the same checks.
test_add_takes_what_set_takes() {
	expect_usage "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" \
		add --default --off --idle 60
	expect_usage "invalid --port '0': expected a port 1..65535 or a range LOW-HIGH" \
		add --port 0 --idle 60
	expect_usage "unknown option '--replace'" add --port 80 --replace
	expect_usage "unknown command 'ad'" ad --port 80
}

test_port_must_be_1_to_65535() {
	local p
	for p in 0 65536 "" http 80- -80 0-80 80-65536 80-90-100 0x50; do
		expect_usage "invalid --port '$p': expected a port 1..65535 or a range LOW-HIGH" \
			set --port "$p" --idle 60
	done
}

test_port_range_must_not_be_reversed() {
	expect_usage "invalid --port '6400-6379': 6400 is above 6379" set --port 6400-6379
}

test_dir_needs_port() {
	expect_usage "--dir needs --port" set --dir in --idle 60
	expect_usage "--dir needs --port" set --cgroup /svc --dir out
	expect_usage "--dir needs --port" del --dir both --cgroup /svc
	expect_usage "invalid --dir 'inbound': expected in, out or both" \
		set --port 80 --dir inbound
}

test_default_stands_alone() {
	expect_usage "--default excludes --port, --dir and --cgroup" set --default --port 80
	expect_usage "--default excludes --port, --dir and --cgroup" set --default --cgroup /svc
	expect_usage "--default excludes --port, --dir and --cgroup" del --default --dir in
}

test_off_excludes_the_values() {
	local opt
	for opt in "--idle 60" "--intvl 5" "--cnt 3" "--user-timeout 0" "--mode force"; do
		# shellcheck disable=SC2086 # "--idle 60" is two words
		expect_usage "--off excludes --idle, --intvl, --cnt, --user-timeout and --mode" \
			set --default --off $opt
	done
}

test_values_out_of_range() {
	expect_usage "invalid --idle '0': expected seconds 1..32767" set --default --idle 0
	expect_usage "invalid --idle '32768': expected seconds 1..32767" set --default --idle 32768
	expect_usage "invalid --intvl '0': expected seconds 1..32767" set --default --intvl 0
	expect_usage "invalid --intvl '32768': expected seconds 1..32767" set --default --intvl 32768
	expect_usage "invalid --cnt '0': expected 1..127" set --default --cnt 0
	expect_usage "invalid --cnt '128': expected 1..127" set --default --cnt 128
	expect_usage "invalid --user-timeout '2147483648': expected milliseconds 0..2147483647" \
		set --default --user-timeout 2147483648
	expect_usage "invalid --user-timeout '-1': expected milliseconds 0..2147483647" \
		set --default --user-timeout -1
	expect_usage "invalid --mode 'Force': expected default or force" set --default --mode Force
	expect_usage "invalid --idle '60s': expected seconds 1..32767" set --default --idle 60s
}

test_cgroup_path_must_be_absolute() {
	expect_usage "invalid --cgroup '': expected an absolute path such as /system.slice" \
		set --cgroup "" --idle 60
	expect_usage "invalid --cgroup 'system.slice': expected an absolute path such as /system.slice" \
		del --cgroup system.slice
}

# kactl sockets: its filters are checked before kactl talks to the kernel.
test_sockets_filters_are_checked_first() {
	local bad
	for bad in "--port 0" "--port 70000" "--port 90-80" "--port x" \
		"--dir sideways" "--cgroup relative" "--port 80 --port 81" \
		"--idle 5" "stray"; do
		# shellcheck disable=SC2086
		expect_fail 2 "$KACTL" sockets $bad
		assert_match "$EXPECT_STDERR" "kactl --help" "sockets $bad"
	done
	expect_fail 2 "$KACTL" sockets --dir in --dir out
	assert_match "$EXPECT_STDERR" "'--dir' given more than once" "repeated --dir"
}

test_repeated_option_is_usage_error() {
	expect_usage "option '--port' given more than once" set --port 80 --port 81
	expect_usage "option '--idle' given more than once" set --default --idle 60 --idle 60
	expect_usage "option '--default' given more than once" del --default --default
}

test_global_options_are_exact_words() {
	expect_usage "unknown option '--js'" --js stats
	expect_usage "unknown option '--frobnicate'" --frobnicate stats
	expect_usage "unknown option '-x'" -jx stats
	expect_usage "option '--json' takes no value" --json=yes stats
}

test_unknown_or_abbreviated_option_is_usage_error() {
	expect_usage "unknown option '--frob'" set --default --frob
	expect_usage "unknown option '--def'" set --def
	expect_usage "unknown option '--id'" set --default --id 60
	expect_usage "unknown option '-j'" set --default -j
	expect_usage "option '--idle' needs a value" set --default --idle
	expect_usage "option '--off' takes no value" set --default --off=yes
	expect_usage "unexpected argument 'ports'" set ports 80
}

test_del_takes_only_a_selector() {
	expect_usage "del takes only a selector, not '--idle'" del --port 80 --idle 60
	expect_usage "del takes only a selector, not '--off'" del --default --off
	expect_usage "del takes only a selector, not '--mode'" del --cgroup /svc --mode force
}

test_list_flush_stats_version_take_no_arguments() {
	expect_usage "list takes no arguments: '--default'" list --default
	expect_usage "flush takes no arguments: 'all'" flush all
	expect_usage "stats takes no arguments: '--port'" stats --port 80
	expect_usage "version takes no arguments: 'x'" version x
}

test_prefix_of_policy_command_is_not_accepted() {
	expect_usage "unknown command 'li'" li
	expect_usage "unknown command 'delete'" delete --default
}

# Accepted command lines get as far as looking for the module.
test_valid_command_lines_reach_the_kernel() {
	local args
	for args in "set --default --idle 60 --intvl 10 --cnt 5 --user-timeout 30000 --mode force" \
		"add --port 6379 --dir in --idle 60" "-j add --cgroup /svc --off" \
		"set --port 6379 --dir in --cgroup /svc --off" \
		"set --port 6379-6400 --dir both --idle=60" \
		"set --cgroup / --user-timeout 0" \
		"del --port 1-65535 --dir out" \
		"del --default" "list" "flush" "-j -p list"; do
		# shellcheck disable=SC2086 # split into arguments
		expect_fail 1 "$KACTL" $args
		assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" \
			"stderr of kactl $args"
		assert_eq "$EXPECT_STDOUT" "" "stdout of kactl $args"
	done
}

# A policy's words are keywords too, as kactl list prints a selector, so
# that one pastes into set and del: the same words, the same checks.
test_keywords_are_the_options_without_dashes() {
	local args
	for args in "set port 8000-8099 dir in cgroup /svc idle 60 intvl 10 cnt 5 user-timeout 0 mode force" \
		"del port 8000-8099 dir in cgroup /svc" "add default off" \
		"set port 6379 --idle 60" "-j del cgroup /svc"; do
		# shellcheck disable=SC2086 # split into arguments
		expect_fail 1 "$KACTL" $args
		assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" \
			"stderr of kactl $args"
	done
	expect_usage "invalid --port '0': expected a port 1..65535 or a range LOW-HIGH" set port 0 idle 60
	expect_usage "del takes only a selector, not '--idle'" del port 80 idle 60
	expect_usage "option '--port' given more than once" set port 80 --port 81
	expect_usage "option '--idle' needs a value" set default idle
	expect_usage "unexpected argument 'Port'" set Port 80
}

test_load_reads_keywords_and_options() {
	local f
	f=$(mktemp)
	defer rm -f "$f"
	printf -- '--port 6379 --idle 60\nport 6380 dir in idle 60\ncgroup "/a b" --off\nport 70000\n' >"$f"
	expect_fail 1 "$KACTL" load "$f"
	assert_eq "$EXPECT_STDERR" "Error: $f:4: invalid --port '70000': expected a port 1..65535 or a range LOW-HIGH.
Error: $f: 1 bad line, nothing was loaded." "stderr"
	# The same selector in both spellings is one selector.
	printf -- '--port 80 --idle 1\nport 80 idle 2\n' >"$f"
	expect_fail 1 "$KACTL" load --replace "$f"
	assert_eq "$EXPECT_STDERR" "Error: $f:2: port 80 is set on line 1 already.
Error: $f: 1 bad line, nothing was loaded." "stderr of load --replace"
}

test_netns_needs_a_value() {
	expect_fail 2 "$KACTL" -n
	assert_match "$EXPECT_STDERR" "option '-n' needs a value" "stderr"
	expect_fail 2 "$KACTL" list --netns
}

test_netns_given_twice_is_usage_error() {
	expect_fail 2 "$KACTL" -n a --netns b list
	assert_match "$EXPECT_STDERR" "given more than once" "stderr"
}

test_missing_netns_is_reported() {
	expect_fail 1 "$KACTL" -n ka-no-such-netns list
	assert_eq "$EXPECT_STDERR" 'Error: cannot open network namespace "ka-no-such-netns": No such file or directory.' "stderr"
}

test_load_reports_every_bad_line_before_the_kernel() {
	local f
	f=$(mktemp)
	defer rm -f "$f"
	printf '# policies\n--port 6379 --idle 60\n\n--port 70000\n--cgroup "/a b" --idle 5 # ok\n--bogus\n"open\n' >"$f"
	expect_fail 1 "$KACTL" load "$f"
	assert_eq "$EXPECT_STDERR" "Error: $f:4: invalid --port '70000': expected a port 1..65535 or a range LOW-HIGH.
Error: $f:6: unknown option '--bogus'.
Error: $f:7: unterminated quote.
Error: $f: 3 bad lines, nothing was loaded." "stderr"
}

# The whole of load's parsing (main() and parse_load(), which the unit
# tests do not reach), growing its arrays twice, up to the kernel that is
# not there: under the sanitizers, a read of kactl's uninitialized state
# or a leak is a report, and a report is exit 99.
test_load_parses_a_valid_file_under_the_sanitizers() {
	local f i opt
	f=$(mktemp)
	defer rm -f "$f"
	for ((i = 1; i <= 150; i++)); do
		echo "--port $((7000 + i)) --idle $i # line $i"
	done >"$f"
	printf -- '--cgroup "/a b" --off\n--default --idle 60 --mode force\n' >>"$f"
	for opt in "" --replace; do
		# shellcheck disable=SC2086 # no option: no word
		expect_fail 1 "$KACTL" load $opt "$f"
		assert_eq "$EXPECT_STDERR" "Error: the ka_policy module is not loaded (load it with 'modprobe ka_policy' or 'insmod ka_policy.ko')." \
			"stderr of load $opt"
		assert_eq "$EXPECT_STDOUT" "" "stdout of load $opt"
	done
}

test_load_needs_one_file() {
	expect_fail 2 "$KACTL" load
	expect_fail 2 "$KACTL" load a b
	expect_fail 1 "$KACTL" load /nonexistent/ka.conf
	assert_match "$EXPECT_STDERR" "^Error: cannot read /nonexistent/ka.conf: No such file or directory\.$" "stderr"
}

test_load_replace_options() {
	expect_fail 2 "$KACTL" load --replace
	assert_match "$EXPECT_STDERR" "^kactl: load takes one FILE" "no file"
	expect_fail 2 "$KACTL" load --replac x
	assert_match "$EXPECT_STDERR" "^kactl: load: unknown option '--replac'" "abbreviation"
	expect_fail 2 "$KACTL" load --replace=yes x
	assert_match "$EXPECT_STDERR" "^kactl: load: unknown option '--replace=yes'" "value"
	expect_fail 2 "$KACTL" load -r x
	# Checked before the kernel is asked: here, no module.
	expect_fail 1 "$KACTL" load --replace /nonexistent/ka.conf
	assert_match "$EXPECT_STDERR" "^Error: cannot read /nonexistent/ka.conf" "missing file"
}

test_load_replace_refuses_a_selector_twice_before_the_kernel() {
	local f
	f=$(mktemp)
	defer rm -f "$f"
	printf -- '--port 80 --idle 1\n--default --idle 2\n--port 80-80 --dir both --off\n--port 80 --dir in\n--default\n' >"$f"
	expect_fail 1 "$KACTL" load --replace "$f"
	assert_eq "$EXPECT_STDERR" "Error: $f:5: default is set on line 2 already.
Error: $f:3: port 80 is set on line 1 already.
Error: $f: 2 bad lines, nothing was loaded." "stderr"
	# Without --replace a later line replaces an earlier one, as set does.
	expect_fail 1 "$KACTL" load "$f"
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "plain load"
}

test_save_takes_no_arguments() {
	expect_fail 2 "$KACTL" save x
}

# complete WORDS...: what bash completion offers for the last word.
complete_kactl() {
	bash -c 'source userspace/kactl.bash-completion
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kactl
		echo "${COMPREPLY[*]}"' _ "$@"
}

test_bash_completion() {
	assert_eq "$(complete_kactl kactl s)" "set stats save sockets" "commands"
	assert_eq "$(complete_kactl kactl a)" "add" "add"
	assert_eq "$(complete_kactl kactl add --o)" "--off" "add options"
	assert_eq "$(complete_kactl kactl -j add --dir "")" "in out both" "add directions"
	assert_eq "$(complete_kactl kactl -j set --i)" "--idle --intvl" "set options"
	assert_eq "$(complete_kactl kactl set --dir "")" "in out both" "directions"
	assert_eq "$(complete_kactl kactl --netns x del --p)" "--port" "after -n NETNS"
	assert_eq "$(complete_kactl kactl load --r)" "--replace" "load options"
}

test_bash_completion_of_keywords() {
	assert_eq "$(complete_kactl kactl set p)" "port" "keyword"
	assert_eq "$(complete_kactl kactl set port 80 i)" "idle intvl" "action keywords"
	assert_eq "$(complete_kactl kactl del port 80 i)" "" "del takes no action"
	assert_eq "$(complete_kactl kactl set port 80 dir "")" "in out both" "dir values"
	assert_eq "$(complete_kactl kactl add default mode "")" "default force" "mode values"
}

# --existing is a command option of add, set and load, in any place among
# the words, and no policy word: del and policy files refuse it.
test_existing_is_an_option_of_add_set_and_load_only() {
	local f
	expect_fail 1 "$KACTL" set port 80 --existing idle 60
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "set"
	expect_fail 1 "$KACTL" add --existing default idle 60
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "add"
	expect_usage "unknown option '--existing'" del port 80 --existing
	expect_usage "unknown option '--existing=1'" set port 80 idle 60 --existing=1
	f=$(mktemp)
	defer rm -f "$f"
	echo "port 80 idle 60" >"$f"
	expect_fail 1 "$KACTL" load --existing --replace "$f"
	assert_match "$EXPECT_STDERR" "^Error: the ka_policy module is not loaded" "load"
	echo "port 80 idle 60 --existing" >"$f"
	expect_fail 1 "$KACTL" load "$f"
	assert_eq "$EXPECT_STDERR" "Error: $f:1: unknown option '--existing'.
Error: $f: 1 bad line, nothing was loaded." "a policy file's word"
}
