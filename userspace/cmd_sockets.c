// SPDX-License-Identifier: GPL-2.0
/*
 * kactl sockets: the namespace's TCP sockets, as ss lists them, with their
 * keepalive settings and where they come from: a policy (named by its
 * selector, as list prints it), a policy deleted since, the application's
 * own setsockopt(), or nothing.
 *
 * The kernel sends every socket (KA_CMD_SOCKET_GET, one per message,
 * listeners first), and a message with no socket when a part of its dump
 * found none in its time, which is skipped; the filters are applied here
 * (module/sockets.c says why). A socket's direction is the one its
 * policy was applied in; for one with no policy it is inferred as ss
 * users do: "in" when its local port is one a listener of the namespace
 * has (listeners come first in the dump), else "out". A listener is
 * "in".
 *
 * Printed as it comes, like list: a policy change during the dump
 * (NLM_F_DUMP_INTR) makes the command fail after the table, asking for a
 * run again; sockets opening and closing meanwhile may be missed or shown
 * twice, as with ss.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "codec.h"
#include "kactl.h"
#include "out.h"
#include "parse.h"

struct sockets_filter {
	bool has_port;
	uint32_t port_min, port_max;
	uint8_t dir;			/* enum ka_dir */
	const char *cgroup;		/* normalized: no trailing '/' */
	size_t cgroup_len;
	uint8_t listening[65536 / 8];	/* local ports of listeners */
	unsigned long shown;
};

static const char *const state_names[] = {
	[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
	[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "UNCONN",
	[8] = "CLOSE-WAIT", [9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING",
};

#define TCP_LISTEN_STATE	10

static const char *const source_names[] = {
	[KA_SOURCE_NONE]		= "-",
	[KA_SOURCE_POLICY]		= "policy",
	[KA_SOURCE_POLICY_DELETED]	= "policy (deleted)",
	[KA_SOURCE_APPLICATION]		= "application",
};

static const char *const source_keys[] = {
	[KA_SOURCE_NONE]		= "none",
	[KA_SOURCE_POLICY]		= "policy",
	[KA_SOURCE_POLICY_DELETED]	= "policy-deleted",
	[KA_SOURCE_APPLICATION]		= "application",
};

/* A '*' was printed: the legend follows the table. */
static bool sysctl_marked;

/* Column widths: the header and every row. */
#define W_ADDR		23
#define W_STATE		10
#define W_KA		3
#define W_NUM		6
#define W_CNT		4
#define W_UTO		12
#define W_TIMER		9
#define W_PROBES	6
#define W_CGROUP	20

/* The expected type of each socket attribute; MNL_TYPE_UNSPEC: skipped. */
static const enum mnl_attr_data_type socket_types[KA_SOCKET_A_MAX + 1] = {
	[KA_SOCKET_A_FAMILY] = MNL_TYPE_U8,
	[KA_SOCKET_A_LOCAL_ADDR] = MNL_TYPE_BINARY,
	[KA_SOCKET_A_REMOTE_ADDR] = MNL_TYPE_BINARY,
	[KA_SOCKET_A_LOCAL_PORT] = MNL_TYPE_U16,
	[KA_SOCKET_A_REMOTE_PORT] = MNL_TYPE_U16,
	[KA_SOCKET_A_STATE] = MNL_TYPE_U8,
	[KA_SOCKET_A_KEEPALIVE] = MNL_TYPE_U8,
	[KA_SOCKET_A_IDLE] = MNL_TYPE_U32,
	[KA_SOCKET_A_INTVL] = MNL_TYPE_U32,
	[KA_SOCKET_A_CNT] = MNL_TYPE_U32,
	[KA_SOCKET_A_USER_TIMEOUT] = MNL_TYPE_U32,
	[KA_SOCKET_A_IDLE_EFFECTIVE] = MNL_TYPE_U32,
	[KA_SOCKET_A_INTVL_EFFECTIVE] = MNL_TYPE_U32,
	[KA_SOCKET_A_CNT_EFFECTIVE] = MNL_TYPE_U32,
	[KA_SOCKET_A_TIMER] = MNL_TYPE_U32,
	[KA_SOCKET_A_PROBES] = MNL_TYPE_U8,
	[KA_SOCKET_A_CGROUP_ID] = MNL_TYPE_U64,
	[KA_SOCKET_A_CGROUP_PATH] = MNL_TYPE_NUL_STRING,
	[KA_SOCKET_A_CGROUP_HIDDEN] = MNL_TYPE_FLAG,
	[KA_SOCKET_A_INODE] = MNL_TYPE_U64,
	[KA_SOCKET_A_UID] = MNL_TYPE_U32,
	[KA_SOCKET_A_SOURCE] = MNL_TYPE_U8,
	[KA_SOCKET_A_DIR] = MNL_TYPE_U8,
	[KA_SOCKET_A_POLICY] = MNL_TYPE_NESTED,
};

/* Known attributes of the right type; a newer module's are skipped. */
static int socket_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > KA_SOCKET_A_MAX || socket_types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, socket_types[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static uint16_t get_u16(const struct nlattr *a)
{
	return a ? mnl_attr_get_u16(a) : 0;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return a ? mnl_attr_get_u8(a) : 0;
}

/* "addr:port", IPv6 in brackets; "*" for a wildcard address or port. */
static void addr_text(uint8_t family, const struct nlattr *addr, uint16_t port,
		      char *buf, size_t size, char *host, size_t host_size)
{
	size_t len = addr ? mnl_attr_get_payload_len(addr) : 0;
	int af = family == AF_INET6 && len == 16 ? AF_INET6 :
		 len == 4 ? AF_INET : 0;
	static const uint8_t zero[16];

	if (!af || !inet_ntop(af, mnl_attr_get_payload(addr), host, host_size))
		snprintf(host, host_size, "?");
	if (af && !memcmp(mnl_attr_get_payload(addr), zero, len))
		snprintf(buf, size, "*:");
	else
		snprintf(buf, size, af == AF_INET6 ? "[%s]:" : "%s:", host);
	len = strlen(buf);
	if (port)
		snprintf(buf + len, size - len, "%u", port);
	else
		snprintf(buf + len, size - len, "*");
}

/*
 * A setting: the socket's own value, or the sysctl's marked with '*' in
 * the table; JSON has the value and where it came from apart.
 */
static void print_setting(const char *key, const char *from_key, int width,
			  const struct nlattr *own, const struct nlattr *eff)
{
	bool sysctl = !get_u32(own);
	char num[16];

	snprintf(num, sizeof(num), "%u%s", get_u32(eff), sysctl ? "*" : "");
	sysctl_marked |= sysctl && eff;
	out_text(" %*s", width, eff ? num : "-");
	if (eff)
		out_json_u64(key, get_u32(eff));
	out_json_str(from_key, sysctl ? "sysctl" : "socket");
}

static bool port_in(const struct sockets_filter *f, uint16_t port)
{
	return port >= f->port_min && port <= f->port_max;
}

static bool cgroup_in(const struct sockets_filter *f, const char *path)
{
	if (!f->cgroup)
		return true;
	if (!path)
		return false;
	if (f->cgroup_len == 1)		/* "/": everything visible */
		return true;
	return !strncmp(path, f->cgroup, f->cgroup_len) &&
	       (path[f->cgroup_len] == '\0' || path[f->cgroup_len] == '/');
}

static bool wanted(const struct sockets_filter *f, uint8_t dir,
		   uint16_t sport, uint16_t dport, const char *cgroup)
{
	if (f->dir != KA_DIR_BOTH && f->dir != dir)
		return false;
	if (f->has_port && !(dir == KA_DIR_IN ? port_in(f, sport) :
					       port_in(f, dport)))
		return false;
	return cgroup_in(f, cgroup);
}

static void print_socket(const struct nlattr **tb, uint8_t dir,
			 const char *cgroup)
{
	uint8_t family = get_u8(tb[KA_SOCKET_A_FAMILY]);
	uint8_t state = get_u8(tb[KA_SOCKET_A_STATE]);
	uint8_t src = get_u8(tb[KA_SOCKET_A_SOURCE]);
	uint16_t sport = get_u16(tb[KA_SOCKET_A_LOCAL_PORT]);
	uint16_t dport = get_u16(tb[KA_SOCKET_A_REMOTE_PORT]);
	char local[80], remote[80], host[64], num[32];
	char text[KACTL_SELECTOR_TEXT_SIZE];
	struct kactl_policy p;
	bool has_policy = false;
	uint32_t ms;

	out_open_object(NULL);
	out_json_str("family", family == AF_INET6 ? "inet6" : "inet");
	addr_text(family, tb[KA_SOCKET_A_LOCAL_ADDR], sport, local,
		  sizeof(local), host, sizeof(host));
	out_json_str("local_addr", host);
	out_json_u64("local_port", sport);
	addr_text(family, tb[KA_SOCKET_A_REMOTE_ADDR], dport, remote,
		  sizeof(remote), host, sizeof(host));
	out_json_str("remote_addr", host);
	out_json_u64("remote_port", dport);
	out_text("%-*s %-*s", W_ADDR, local, W_ADDR, remote);
	/* A state or direction kactl does not know: its number. */
	if (state < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[state]) {
		snprintf(num, sizeof(num), "%s", state_names[state]);
		out_json_str("state", num);
	} else {
		snprintf(num, sizeof(num), "%u", state);
		out_json_u64("state", state);
	}
	out_text(" %-*s", W_STATE, num);
	if (kactl_dir_name(dir))
		out_json_str("dir", kactl_dir_name(dir));
	else
		out_json_u64("dir", dir);
	out_text(" %-*s", W_KA, get_u8(tb[KA_SOCKET_A_KEEPALIVE]) ? "on" : "off");
	out_json_bool("keepalive", get_u8(tb[KA_SOCKET_A_KEEPALIVE]));
	print_setting("idle", "idle_from", W_NUM, tb[KA_SOCKET_A_IDLE],
		      tb[KA_SOCKET_A_IDLE_EFFECTIVE]);
	print_setting("intvl", "intvl_from", W_NUM, tb[KA_SOCKET_A_INTVL],
		      tb[KA_SOCKET_A_INTVL_EFFECTIVE]);
	print_setting("cnt", "cnt_from", W_CNT, tb[KA_SOCKET_A_CNT],
		      tb[KA_SOCKET_A_CNT_EFFECTIVE]);
	/*
	 * 0 is "none" ("-" in the table), not the sysctl: TCP_USER_TIMEOUT
	 * has no sysctl. JSON has the number, 0 included.
	 */
	ms = get_u32(tb[KA_SOCKET_A_USER_TIMEOUT]);
	snprintf(num, sizeof(num), "%u", ms);
	out_text(" %*s", W_UTO, ms ? num : "-");
	out_json_u64("user_timeout", ms);
	if (tb[KA_SOCKET_A_TIMER]) {
		ms = get_u32(tb[KA_SOCKET_A_TIMER]);
		snprintf(num, sizeof(num), "%u.%03us", ms / 1000, ms % 1000);
		out_json_u64("timer_ms", ms);
	} else {
		snprintf(num, sizeof(num), "-");
	}
	out_text(" %*s", W_TIMER, num);
	out_u64_column("probes", W_PROBES, true, get_u8(tb[KA_SOCKET_A_PROBES]));
	if (tb[KA_SOCKET_A_CGROUP_ID])
		out_json_u64("cgroup_id", mnl_attr_get_u64(tb[KA_SOCKET_A_CGROUP_ID]));
	if (cgroup)
		out_json_str("cgroup", cgroup);
	else
		out_json_bool("cgroup_hidden", true);
	out_text(" %-*s", W_CGROUP, cgroup ? cgroup : "(outside)");
	if (tb[KA_SOCKET_A_INODE])
		out_json_u64("inode", mnl_attr_get_u64(tb[KA_SOCKET_A_INODE]));
	if (tb[KA_SOCKET_A_UID])
		out_json_u64("uid", get_u32(tb[KA_SOCKET_A_UID]));
	if (src >= sizeof(source_names) / sizeof(source_names[0]))
		src = KA_SOURCE_NONE;
	out_json_str("source", source_keys[src]);
	if (tb[KA_SOCKET_A_POLICY] &&
	    kactl_policy_decode(tb[KA_SOCKET_A_POLICY], &p, NULL) == MNL_CB_OK) {
		kactl_selector_text(&p.sel, text, sizeof(text));
		has_policy = true;
	}
	if (has_policy) {
		out_text(" policy %s", text);
		out_json_str("policy", text);
	} else {
		out_text(" %s", source_names[src]);
	}
	out_close_object();
	out_text("\n");
}

static int sockets_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KA_SOCKET_A_MAX + 1] = {};
	const struct nlattr *top[KA_A_MAX + 1] = {};
	struct sockets_filter *f = data;
	const char *cgroup = NULL;
	uint16_t sport, dport;
	uint8_t dir;

	kactl_reply_attrs(nlh, top);
	if (!top[KA_A_SOCKET])
		return MNL_CB_OK;
	if (mnl_attr_validate(top[KA_A_SOCKET], MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(top[KA_A_SOCKET], socket_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	sport = get_u16(tb[KA_SOCKET_A_LOCAL_PORT]);
	dport = get_u16(tb[KA_SOCKET_A_REMOTE_PORT]);
	if (tb[KA_SOCKET_A_CGROUP_PATH])
		cgroup = mnl_attr_get_str(tb[KA_SOCKET_A_CGROUP_PATH]);
	if (get_u8(tb[KA_SOCKET_A_STATE]) == TCP_LISTEN_STATE) {
		f->listening[sport / 8] |= 1u << (sport % 8);
		dir = KA_DIR_IN;
	} else if (tb[KA_SOCKET_A_DIR]) {
		dir = get_u8(tb[KA_SOCKET_A_DIR]);
	} else {
		dir = f->listening[sport / 8] & (1u << (sport % 8)) ?
		      KA_DIR_IN : KA_DIR_OUT;
	}
	if (!wanted(f, dir, sport, dport, cgroup))
		return MNL_CB_OK;
	f->shown++;
	print_socket(tb, dir, cgroup);
	return MNL_CB_OK;
}

static void sockets_header(void)
{
	out_text("%-*s %-*s %-*s %-*s %*s %*s %*s %*s %*s %*s %-*s %s\n",
		 W_ADDR, "local", W_ADDR, "remote", W_STATE, "state", W_KA, "ka",
		 W_NUM, "idle", W_NUM, "intvl", W_CNT, "cnt",
		 W_UTO, "user_timeout", W_TIMER, "timer", W_PROBES, "probes",
		 W_CGROUP, "cgroup", "source");
}

enum { OPT_PORT, OPT_DIR, OPT_CGROUP, OPT_JSON };

static const struct parse_opt sockets_opts[] = {
	[OPT_PORT]	= { .name = "port", .has_value = true, .keyword = true },
	[OPT_DIR]	= { .name = "dir", .has_value = true, .keyword = true },
	[OPT_CGROUP]	= { .name = "cgroup", .has_value = true, .keyword = true },
	[OPT_JSON]	= { .name = "json", .short_name = 'j' },
	{ .name = NULL }
};

static int parse_port_range(const char *s, struct sockets_filter *f)
{
	const char *dash = strchr(s, '-');
	char first[8];

	if (!dash)
		return parse_u32(s, 1, 65535, &f->port_min) ? -1 :
		       (f->port_max = f->port_min, 0);
	if ((size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (parse_u32(first, 1, 65535, &f->port_min) ||
	    parse_u32(dash + 1, 1, 65535, &f->port_max) ||
	    f->port_max < f->port_min)
		return -1;
	return 0;
}

static int parse_filter(int argc, char **argv, struct sockets_filter *f,
			bool *json)
{
	bool seen[OPT_JSON + 1] = { false };
	struct parse_args a;
	char err[128];
	size_t len;
	int opt;

	parse_args_init(&a, argc, argv, 1);
	while ((opt = parse_next_opt(&a, sockets_opts, err, sizeof(err))) >= 0) {
		if (seen[opt])
			return kactl_usage_error("option '--%s' given more than once",
						 sockets_opts[opt].name);
		seen[opt] = true;
		switch (opt) {
		case OPT_PORT:
			if (parse_port_range(a.value, f))
				return kactl_usage_error("invalid port '%s': a port or a range PORT-PORT, 1..65535",
							 a.value);
			f->has_port = true;
			break;
		case OPT_DIR:
			if (!strcmp(a.value, "in"))
				f->dir = KA_DIR_IN;
			else if (!strcmp(a.value, "out"))
				f->dir = KA_DIR_OUT;
			else if (!strcmp(a.value, "both"))
				f->dir = KA_DIR_BOTH;
			else
				return kactl_usage_error("invalid direction '%s': in, out or both",
							 a.value);
			break;
		case OPT_CGROUP:
			len = strlen(a.value);
			if (a.value[0] != '/')
				return kactl_usage_error("invalid cgroup '%s': an absolute path, as kactl sockets prints it",
							 a.value);
			while (len > 1 && a.value[len - 1] == '/')
				len--;
			f->cgroup = a.value;
			f->cgroup_len = len;
			break;
		case OPT_JSON:
			*json = true;
			break;
		}
	}
	if (opt == PARSE_ERROR)
		return kactl_usage_error("%s", err);
	if (a.next < argc)
		return kactl_usage_error("sockets: unexpected word '%s'",
					 argv[a.next]);
	return 0;
}

int kactl_cmd_sockets(const struct kactl_opts *o, int argc, char **argv)
{
	struct sockets_filter *f;
	struct nlmsghdr *nlh;
	struct kactl_genl g;
	bool json = false;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f) {
		fprintf(stderr, "Error: out of memory.\n");
		return EXIT_FAILURE;
	}
	f->dir = KA_DIR_BOTH;
	ret = parse_filter(argc, argv, f, &json);
	if (!ret && json && !out_is_json())
		out_init(stdout, true, false);
	if (!ret)
		ret = kactl_connect(o, &g);
	if (ret) {
		free(f);
		return ret;
	}
	nlh = kactl_genl_msg(&g, KA_CMD_SOCKET_GET, NLM_F_DUMP);
	sockets_header();
	out_open_array(NULL);
	ret = kactl_genl_run(&g, nlh, sockets_cb, f);
	out_close_array();
	out_finish();
	if (!ret && sysctl_marked && !out_is_json())
		printf("* from the network namespace's sysctl (net.ipv4.tcp_keepalive_time, _intvl, _probes)\n");
	free(f);
	return kactl_close(&g, ret, argv[0]);
}
