# SPDX-License-Identifier: GPL-2.0
#
# A socket that connects again, after connect(AF_UNSPEC) or a failed
# attempt, is decided afresh from the application's own settings: what a
# first policy wrote is taken back, then the policy of the second
# connection decides (apply.c). One client socket each time
# (ka_conn.py reconnect); the policies say --dir out, so that only the
# client counts.
source "$KA_ROOT/tests/lib/ka.sh"

# A fresh module for each test: counters start at zero.
before_each() {
	ka_unload
	ka_load
}

reconnect() {
	python3 -S "$KA_CONN" reconnect "$@"
}

test_second_connect_gets_the_second_policy_not_the_first() {
	local out
	kactl_set --port 7500 --dir out --idle 60 --intvl 10
	"$KACTL" set --port 7501 --dir out --idle 30 --intvl 5
	out=$(reconnect 7500 7501)
	assert_eq "$(json_get "$out" first.idle)" 60 "idle after the first connect"
	expect_ka "$out" client keepalive=1 idle=30 intvl=5 cnt=9 user_timeout=0
	expect_timer "$out" client yes
	assert_eq "$(stat_of port=7500,dir=out applied)" 1 "first policy applied"
	assert_eq "$(stat_of port=7501,dir=out applied)" 1 "second policy applied"
	assert_eq "$(stat_of port=7501,dir=out skipped)" 0 "second policy skipped"
	assert_eq "$(stat_of total skipped)" 0 "total skipped"
}

test_connect_after_a_failed_connect_gets_the_new_policy() {
	local out
	kactl_set --port 7502 --dir out --idle 60 --intvl 10
	"$KACTL" set --port 7503 --dir out --idle 30 --cnt 4
	out=$(reconnect 7502 7503 --refused)
	assert_eq "$(json_get "$out" first.idle)" 60 "idle after the refused connect"
	# The first policy's intvl is gone: the sysctl's 75 s again.
	expect_ka "$out" client keepalive=1 idle=30 intvl=75 cnt=4 user_timeout=0
	assert_eq "$(stat_of port=7503,dir=out applied)" 1 "second policy applied"
}

test_an_exemption_takes_keepalive_away_again() {
	local out
	kactl_set --port 7504 --dir out --idle 60 --user-timeout 5000
	"$KACTL" set --port 7505 --off
	out=$(reconnect 7504 7505)
	assert_eq "$(json_get "$out" first.keepalive)" 1 "keepalive after the first connect"
	expect_ka "$out" client keepalive=0 idle=7200 intvl=75 cnt=9 user_timeout=0
	expect_timer "$out" client no
}

test_no_policy_leaves_the_application_settings() {
	local out
	kactl_set --port 7506 --dir out --mode force --idle 60 --cnt 3
	out=$(reconnect 7506 7507 --client ka=1,idle=20,intvl=7)
	expect_ka "$out" first keepalive=1 idle=60 intvl=7 cnt=3
	# The application's keepalive and intvl stay; its idle, which force
	# overwrote, is unset, not 20: nothing kept it (apply.c).
	expect_ka "$out" client keepalive=1 idle=7200 intvl=7 cnt=9 user_timeout=0
	expect_timer "$out" client yes
}

test_what_the_application_sets_in_between_stays() {
	local out
	kactl_set --port 7508 --dir out --idle 60 --intvl 10 --cnt 3
	"$KACTL" set --port 7509 --dir out --idle 30 --intvl 5 --cnt 4
	"$KACTL" set --port 7510 --off
	# Its own intvl and keepalive, set after the first connect, are its own.
	out=$(reconnect 7508 7509 --between intvl=7,ka=1)
	expect_ka "$out" client keepalive=1 idle=30 intvl=7 cnt=4 user_timeout=0
	assert_eq "$(stat_of port=7509,dir=out applied)" 1 "second policy applied"
	out=$(reconnect 7508 7510 --between ka=1,cnt=2)
	expect_ka "$out" client keepalive=1 idle=7200 intvl=75 cnt=2 user_timeout=0
	expect_timer "$out" client yes
}
