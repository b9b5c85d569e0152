# gensyscalls.awk: turn kern/syscalls.tbl into the syscall machinery.
#
#   awk -v gendir=DIR -v incdir=DIR -f gensyscalls.awk kern/syscalls.tbl
#
# writes
#   gendir/sys_handlers.h   prototypes of the kernel's sys_* handlers
#   gendir/sysent.c         the dispatch table and the name table
#   gendir/rump_syscalls.c  the rump_sys_* wrappers
#   incdir/rump_syscalls.h  the public header
#
# The table's line kinds are documented at the top of kern/syscalls.tbl.

BEGIN {
	FS = "[ \t]*\\|[ \t]*"
	nsys = 0; nlibc = 0; ncustom = 0; ninc = 0
	H = gendir "/sys_handlers.h"
	E = gendir "/sysent.c"
	W = gendir "/rump_syscalls.c"
	P = incdir "/rump_syscalls.h"
}

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

function die(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# Split "int fd, void *buf" into argtype[i], argname[i]; returns the count.
function parseargs(s, argtype, argname,    n, i, parts, a, nm) {
	s = trim(s)
	if (s == "void" || s == "")
		return 0
	n = split(s, parts, ",")
	if (n > 6)
		die("more than six arguments")
	for (i = 1; i <= n; i++) {
		a = trim(parts[i])
		if (a == "...")
			die("'...' belongs on a custom line")
		if (!match(a, /[A-Za-z_][A-Za-z_0-9]*$/))
			die("argument without a name: " a)
		nm = substr(a, RSTART)
		argname[i] = nm
		argtype[i] = trim(substr(a, 1, RSTART - 1))
		if (argtype[i] == "")
			die("argument without a type: " a)
	}
	return n
}

# The trace format of one argument: s string, p pointer, o octal mode,
# x flags, u unsigned, d signed.
function fmtof(type, name) {
	if (type ~ /char[ \t]*\*$/ && type ~ /const/) return "s"
	if (type ~ /\*/) return "p"
	if (type == "mode_t") return "o"
	if (name ~ /flags$/) return "x"
	if (type ~ /^(size_t|uid_t|gid_t|unsigned.*|uint.*|rlim_t)$/) return "u"
	return "d"
}

function collect_structs(type,    t) {
	t = type
	while (match(t, /struct[ \t]+[A-Za-z_0-9]+/)) {
		structs[substr(t, RSTART, RLENGTH)] = 1
		t = substr(t, RSTART + RLENGTH)
	}
}

/^[ \t]*#/ || /^[ \t]*$/ { next }

{
	kind = trim($1)
	if (kind == "include") {
		incs[++ninc] = trim($2)
	} else if (kind == "sys") {
		nr = trim($2) + 0
		if (trim($2) !~ /^[0-9]+$/ || nr >= 512) die("bad number " $2)
		if (nr in sysbynr) die("number " nr " listed twice")
		name = trim($3)
		if (name in sysbyname) die("syscall " name " listed twice")
		sysbynr[nr] = name; sysbyname[name] = nr
		sys_nr[++nsys] = nr; sys_name[nsys] = name
		sys_ret[nsys] = trim($4); sys_args[nsys] = trim($5)
		sys_opts[nsys] = trim($6)
		if (sys_opts[nsys] != "" && sys_opts[nsys] != "nowrap")
			die("unknown option " sys_opts[nsys])
		split("", t); split("", nmv)
		sys_nargs[nsys] = parseargs(sys_args[nsys], t, nmv)
		fmt = ""; cast = ""
		for (i = 1; i <= sys_nargs[nsys]; i++) {
			collect_structs(t[i])
			fmt = fmt fmtof(t[i], nmv[i])
			cast = cast sprintf("%s(%s)a[%d]", i > 1 ? ", " : "", t[i], i - 1)
		}
		sys_fmt[nsys] = fmt; sys_cast[nsys] = cast
		if (sys_opts[nsys] != "nowrap") wrapname[name] = 1
	} else if (kind == "libc") {
		name = trim($2)
		if (name in wrapname) die("wrapper " name " defined twice")
		wrapname[name] = 1
		libc_name[++nlibc] = name; libc_ret[nlibc] = trim($3)
		libc_args[nlibc] = trim($4); libc_call[nlibc] = trim($5)
		split("", t); split("", nmv)
		n = parseargs(libc_args[nlibc], t, nmv)
		for (i = 1; i <= n; i++) collect_structs(t[i])
		if (!match(libc_call[nlibc], /^[a-z_0-9]+\(/)) die("bad call " $5)
	} else if (kind == "custom") {
		name = trim($2)
		if (name in wrapname) die("wrapper " name " defined twice")
		wrapname[name] = 1
		cus_name[++ncustom] = name; cus_ret[ncustom] = trim($3)
		cus_args[ncustom] = trim($4)
	} else {
		die("unknown line kind " kind)
	}
}

END {
	if (failed) exit 1
	# ---- sys_handlers.h
	print "/* Generated from kern/syscalls.tbl by gensyscalls.awk. */" > H
	print "#ifndef RUMP_GEN_SYS_HANDLERS_H\n#define RUMP_GEN_SYS_HANDLERS_H" > H
	print "#include \"types.h\"\n\nstruct lwp;" > H
	for (s in structs) print s ";" > H
	print "\n#define SYS_NMAX 512\n" > H
	for (i = 1; i <= nsys; i++) {
		printf "#define SYS_%s %d\n", sys_name[i], sys_nr[i] > H
	}
	print "" > H
	for (i = 1; i <= nsys; i++) {
		a = sys_args[i] == "void" ? "" : ", " sys_args[i]
		printf "long sys_%s(struct lwp *l%s);\n", sys_name[i], a > H
	}
	print "\n#endif" > H

	# ---- sysent.c
	print "/* Generated from kern/syscalls.tbl by gensyscalls.awk. */" > E
	print "#include \"sys_handlers.h\"\n#include \"syscall.h\"\n" > E
	for (i = 1; i <= nsys; i++) {
		printf "static long\nsysent_%s(struct lwp *l, const long *a)\n{\n", sys_name[i] > E
		if (sys_nargs[i] == 0) print "\t(void)a;" > E
		printf "\treturn sys_%s(l%s%s);\n}\n\n", sys_name[i], sys_nargs[i] ? ", " : "", sys_cast[i] > E
	}
	print "const struct sysent sysent[SYS_NMAX] = {" > E
	for (i = 1; i <= nsys; i++)
		printf "\t[%d] = { sysent_%s, \"%s\", \"%s\" },\n", sys_nr[i], sys_name[i], sys_name[i], sys_fmt[i] > E
	print "};" > E

	# ---- public header
	print "/* Generated from kern/syscalls.tbl by gensyscalls.awk. */" > P
	print "/*" > P
	print " * rump_syscalls.h: rump_sys_*(), the kernel's system calls for local" > P
	print " * clients, with libc's names and signatures.  Each returns what libc's" > P
	print " * function returns, or -1 with errno set.  Where the raw Linux call" > P
	print " * differs (pread64, newfstatat, ...), it is here under its own name." > P
	print " */" > P
	print "#ifndef RUMP_RUMP_SYSCALLS_H\n#define RUMP_RUMP_SYSCALLS_H\n" > P
	for (i = 1; i <= ninc; i++) printf "#include %s\n", incs[i] > P
	print "#include <rump/rump.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n" > P
	for (s in structs) print s ";" > P
	print "" > P
	for (i = 1; i <= nsys; i++)
		printf "#define RUMP_SYS_%s %d\n", sys_name[i], sys_nr[i] > P
	print "" > P
	for (i = 1; i <= nsys; i++)
		if (sys_opts[i] != "nowrap")
			printf "RUMP_API %s rump_sys_%s(%s);\n", sys_ret[i], sys_name[i], sys_args[i] > P
	for (i = 1; i <= nlibc; i++)
		printf "RUMP_API %s rump_sys_%s(%s);\n", libc_ret[i], libc_name[i], libc_args[i] > P
	for (i = 1; i <= ncustom; i++)
		printf "RUMP_API %s rump_sys_%s(%s);\n", cus_ret[i], cus_name[i], cus_args[i] > P
	print "\n#ifdef __cplusplus\n}\n#endif\n#endif" > P

	# ---- wrappers
	print "/* Generated from kern/syscalls.tbl by gensyscalls.awk. */" > W
	print "#include <rump/rump_syscalls.h>\n#include <rump/rumpuser.h>\n" > W
	print "/* Linux returns -4095..-1 for errors; set errno, return -1. */" > W
	print "static inline long\nrump_sys_ret(long rv)\n{" > W
	print "\tif (__builtin_expect((unsigned long)rv > -4096UL, 0)) {" > W
	print "\t\trumpuser_seterrno((int)-rv);\n\t\treturn -1;\n\t}\n\treturn rv;\n}\n" > W
	for (i = 1; i <= nsys; i++) {
		if (sys_opts[i] == "nowrap") continue
		split("", t); split("", nmv)
		n = parseargs(sys_args[i], t, nmv)
		emit_wrapper(sys_ret[i], sys_name[i], sys_args[i], sys_nr[i], n, nmv)
	}
	for (i = 1; i <= nlibc; i++) {
		call = libc_call[i]
		match(call, /^[a-z_0-9]+\(/)
		target = substr(call, 1, RLENGTH - 1)
		if (!(target in sysbyname)) {
			print "syscalls.tbl: libc " libc_name[i] " calls unknown syscall " target > "/dev/stderr"
			exit 1
		}
		inner = substr(call, RLENGTH + 1); sub(/\)[ \t]*$/, "", inner)
		ne = split(inner, exprs, ",")
		if (trim(inner) == "") ne = 0
		printf "%s\nrump_sys_%s(%s)\n{\n", libc_ret[i], libc_name[i], libc_args[i] > W
		printf "\tlong a[6] = {" > W
		for (j = 1; j <= ne; j++) printf "%s(long)(%s)", (j > 1 ? ", " : ""), trim(exprs[j]) > W
		printf "};\n\treturn (%s)rump_sys_ret(rump_syscall(%d, a));\n}\n\n", libc_ret[i], sysbyname[target] > W
	}
}

function emit_wrapper(ret, name, args, nr, n, nmv,    j) {
	printf "%s\nrump_sys_%s(%s)\n{\n", ret, name, args > W
	printf "\tlong a[6] = {" > W
	for (j = 1; j <= n; j++) printf "%s(long)%s", (j > 1 ? ", " : ""), nmv[j] > W
	printf "};\n\treturn (%s)rump_sys_ret(rump_syscall(%d, a));\n}\n\n", ret, nr > W
}
