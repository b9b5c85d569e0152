/*
 * symbols.c: the hypercall boundary (DESIGN.md, "rules of the house").
 *
 * Kernel objects may reference only rumpuser_*() hypercalls, symbols the
 * kernel defines itself, the compiler's freestanding contract (memcpy,
 * memmove, memset, memcmp) and sanitizer instrumentation: `nm -u' over
 * every kernel object of the build tree this binary belongs to.  Kernel
 * sources may include only freestanding headers, Linux UAPI headers,
 * <rump/rump.h>, <rump/rumpuser.h> and their own headers.
 *
 * The build tree is found from /proc/self/exe (<build>/tests/symbols),
 * the source tree as the nearest ancestor holding kern/syscalls.tbl
 * (RUMPKIT_SRCDIR overrides).  The checks are tested on planted
 * violations too, so a checker that passes everything fails here.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include "host_dir.h"

/* ---- a growable list of strings ----------------------------------------- */

struct strs {
	char **v;
	size_t n, cap;
};

static void
strs_add(struct strs *s, const char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		cr_assert_not_null(s->v);
	}
	s->v[s->n] = strdup(str);
	cr_assert_not_null(s->v[s->n]);
	s->n++;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
strs_sort(struct strs *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), cmpstr);
}

static int
strs_has(const struct strs *s, const char *str)
{
	return s->n > 0 &&
	       bsearch(&str, s->v, s->n, sizeof(*s->v), cmpstr) != NULL;
}

static void
strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* All of a list, one per line, for a failure message. */
static char *
strs_join(const struct strs *s)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + 3;
	p = out = malloc(len);
	cr_assert_not_null(out);
	*p = '\0';
	for (size_t i = 0; i < s->n; i++)
		p += sprintf(p, "  %s\n", s->v[i]);
	return out;
}

/* ---- where things are ----------------------------------------------------- */

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <build>: two levels above this executable. */
static void
build_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(buf, '/');
		cr_assert_not_null(slash);
		*slash = '\0';
	}
}

static void
source_dir(char *buf, size_t size)
{
	const char *env = getenv("RUMPKIT_SRCDIR");
	char probe[PATH_MAX + 32];
	char *slash;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, size, "%s", env);
		return;
	}
	build_dir(buf, size);
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/kern/syscalls.tbl", buf);
		if (access(probe, R_OK) == 0)
			return;
		slash = strrchr(buf, '/');
		cr_assert(slash != NULL && slash != buf,
			  "no kern/syscalls.tbl above the test binary");
		*slash = '\0';
	}
}

/* Files under `dir' ending in `suffix' (into `out'); recursive or not.
 * A missing directory has no files. */
static void
find_files(const char *dir, const char *suffix, int recursive, struct strs *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (is_dir(path)) {
			if (recursive)
				find_files(path, suffix, 1, out);
		} else if (has_suffix(e->d_name, suffix)) {
			strs_add(out, path);
		}
	}
	closedir(d);
}

/* Every kernel object of the build tree. */
static void
kernel_objects(struct strs *objs)
{
	char b[PATH_MAX], d[PATH_MAX + 32];

	build_dir(b, sizeof(b));
	snprintf(d, sizeof(d), "%s/obj/kern", b);
	find_files(d, ".o", 0, objs);
	snprintf(d, sizeof(d), "%s/obj/kern/wrap", b);
	find_files(d, ".o", 0, objs);
	snprintf(d, sizeof(d), "%s/obj/vfs", b);
	find_files(d, ".o", 1, objs);
	snprintf(d, sizeof(d), "%s/obj/ipc", b);
	find_files(d, ".o", 1, objs);
	snprintf(d, sizeof(d), "%s/obj/gen", b);
	find_files(d, ".o", 0, objs);
	strs_sort(objs);
}

/* ---- symbols ----------------------------------------------------------- */

/*
 * One `nm' over all of `objs': their undefined symbols as "object: name",
 * or (undefined 0) the names of the global symbols they define.
 */
static void
nm_symbols(const struct strs *objs, int undefined, struct strs *out)
{
	char line[PATH_MAX + 1024], name[512], type[8];
	size_t len = 64;
	char *cmd, *p, *colon;
	FILE *f;
	int status;

	for (size_t i = 0; i < objs->n; i++)
		len += strlen(objs->v[i]) + 3;
	p = cmd = malloc(len);
	cr_assert_not_null(cmd);
	p += sprintf(p, "nm -A -P %s", undefined ? "-u" : "--defined-only");
	for (size_t i = 0; i < objs->n; i++)
		p += sprintf(p, " '%s'", objs->v[i]);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	/* "object: name type [value size]" */
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((colon = strstr(line, ": ")) == NULL ||
		    sscanf(colon + 2, "%511s %7s", name, type) != 2)
			continue;
		if (undefined) {
			colon[2 + strlen(name)] = '\0';
			strs_add(out, line);
		} else if (type[0] >= 'A' && type[0] <= 'Z') {
			/* only globals can satisfy another object */
			strs_add(out, name);
		}
	}
	status = pclose(f);
	cr_assert_eq(status, 0, "%s failed (status %#x)", cmd, status);
	free(cmd);
}

static const char *const allowed_prefixes[] = {
	"rumpuser_", /* the hypercall interface */
	"__asan_",   /* sanitizers and instrumentation */
	"__ubsan_",  "__tsan_", "__sanitizer_", "__msan_",
	"__lsan_",   "__gcov_", "__llvm_gcov_", "__llvm_profile_",
};

static const char *const allowed_names[] = {
	/* the compiler's freestanding contract */
	"memcpy",
	"memmove",
	"memset",
	"memcmp",
	/* stack protector and position-independent code */
	"__stack_chk_fail",
	"_GLOBAL_OFFSET_TABLE_",
};

/* Whether an object may reference `sym', given what the kernel defines. */
static int
symbol_allowed(const char *sym, const struct strs *kernel_defs)
{
	for (size_t i = 0;
	     i < sizeof(allowed_prefixes) / sizeof(allowed_prefixes[0]); i++)
		if (has_prefix(sym, allowed_prefixes[i]))
			return 1;
	for (size_t i = 0; i < sizeof(allowed_names) / sizeof(allowed_names[0]);
	     i++)
		if (strcmp(sym, allowed_names[i]) == 0)
			return 1;
	return strs_has(kernel_defs, sym);
}

/* "object: symbol" for each reference in `objs' outside the boundary. */
static void
boundary_violations(const struct strs *objs, const struct strs *kernel_defs,
		    struct strs *bad)
{
	struct strs und = { 0 };

	nm_symbols(objs, 1, &und);
	for (size_t i = 0; i < und.n; i++)
		if (!symbol_allowed(strstr(und.v[i], ": ") + 2, kernel_defs))
			strs_add(bad, und.v[i]);
	strs_free(&und);
}

static void
kernel_definitions(const struct strs *objs, struct strs *defs)
{
	nm_symbols(objs, 0, defs);
	strs_sort(defs);
}

/* ---- includes ---------------------------------------------------------- */

static const char *const allowed_system_headers[] = {
	"stddef.h", "stdint.h",    "stdbool.h",
	"stdarg.h", "rump/rump.h", "rump/rumpuser.h",
};

static const char *const allowed_system_dirs[] = {
	"linux/",
	"asm/",
	"asm-generic/",
};

/* Whether `path' is inside directory `dir'. */
static int
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Whether quoted header `name', included from directory `dir', is one
 * of ours: it exists in the source or build tree. */
static int
own_header(const char *name, const char *dir, const char *src,
	   const char *build)
{
	const char *bases[] = { dir, NULL, NULL, NULL, NULL };
	char b1[PATH_MAX + 16], b2[PATH_MAX + 16], b3[PATH_MAX + 16];
	char b4[PATH_MAX + 16], path[3 * PATH_MAX], real[PATH_MAX];

	snprintf(b1, sizeof(b1), "%s/kern", src);
	snprintf(b2, sizeof(b2), "%s/include", src);
	snprintf(b3, sizeof(b3), "%s/gen", build);
	snprintf(b4, sizeof(b4), "%s/include", build);
	bases[1] = b1;
	bases[2] = b2;
	bases[3] = b3;
	bases[4] = b4;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", bases[i], name);
		if (realpath(path, real) == NULL)
			continue;
		/* Not a host header reached through "../". */
		if (under(real, src) || under(real, build))
			return 1;
	}
	return 0;
}

static int
system_header_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed_system_headers) /
				       sizeof(allowed_system_headers[0]);
	     i++)
		if (strcmp(name, allowed_system_headers[i]) == 0)
			return 1;
	for (size_t i = 0;
	     i < sizeof(allowed_system_dirs) / sizeof(allowed_system_dirs[0]);
	     i++)
		if (has_prefix(name, allowed_system_dirs[i]))
			return 1;
	return 0;
}

/* "file:line: #include ..." for each include of `file' outside the
 * rules. */
static void
include_violations(const char *file, const char *src, const char *build,
		   struct strs *bad)
{
	char line[1024], name[512], dir[PATH_MAX], msg[PATH_MAX + 1200];
	FILE *f = fopen(file, "r");
	int lineno = 0;
	char *slash;

	cr_assert_not_null(f, "cannot read %s", file);
	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, open, close;
		size_t n;
		int ok;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!has_prefix(p, "include"))
			continue;
		p += strlen("include");
		if (has_prefix(p, "_next"))
			ok = 0; /* reaches for the host's headers */
		else {
			while (*p == ' ' || *p == '\t')
				p++;
			open = *p;
			close = open == '<' ? '>' : '"';
			n = strcspn(p + 1, open == '<' ? ">" : "\"");
			if ((open != '<' && open != '"') || p[1 + n] != close ||
			    n == 0 || n >= sizeof(name))
				ok = 0; /* a macro or malformed: refuse */
			else {
				memcpy(name, p + 1, n);
				name[n] = '\0';
				ok = open == '<' ? system_header_allowed(name)
						 : own_header(name, dir, src,
							      build);
			}
		}
		if (!ok) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(msg, sizeof(msg), "%s:%d: %s", file, lineno,
				 line);
			strs_add(bad, msg);
		}
	}
	fclose(f);
}

/* Kernel sources: kern/ (not kern/wrap/), vfs/ and ipc/, .c and .h. */
static void
kernel_sources(const char *src, struct strs *files)
{
	char d[PATH_MAX + 16];

	snprintf(d, sizeof(d), "%s/kern", src);
	find_files(d, ".c", 0, files);
	find_files(d, ".h", 0, files);
	snprintf(d, sizeof(d), "%s/vfs", src);
	find_files(d, ".c", 1, files);
	find_files(d, ".h", 1, files);
	snprintf(d, sizeof(d), "%s/ipc", src);
	find_files(d, ".c", 1, files);
	find_files(d, ".h", 1, files);
	strs_sort(files);
}

/* ---- the checks on the real tree ------------------------------------------ */

TestSuite(symbols, .timeout = 20);

Test(symbols, kernel_objects_exist)
{
	struct strs objs = { 0 };
	char b[PATH_MAX];

	build_dir(b, sizeof(b));
	kernel_objects(&objs);
	cr_assert_gt(objs.n, 5, "no kernel objects under %s/obj", b);
	strs_free(&objs);
}

Test(symbols, kernel_references_only_hypercalls_and_itself)
{
	struct strs objs = { 0 }, defs = { 0 }, bad = { 0 };

	kernel_objects(&objs);
	kernel_definitions(&objs, &defs);
	boundary_violations(&objs, &defs, &bad);
	cr_assert_eq(
		bad.n, 0,
		"%zu undefined symbols outside the hypercall boundary:\n%s",
		bad.n, strs_join(&bad));
	strs_free(&objs);
	strs_free(&defs);
	strs_free(&bad);
}

/* The kernel's own names must not be satisfied by libc by accident: a
 * kernel definition of a libc name is suspicious too (only the
 * freestanding four are the compiler's). */
Test(symbols, kernel_defines_no_libc_names)
{
	static const char *const libc[] = {
		"malloc",
		"free",
		"calloc",
		"realloc",
		"printf",
		"strlen",
		"strcmp",
		"strcpy",
		"abort",
		"exit",
		"errno",
		"__errno_location",
		"pthread_mutex_lock",
	};
	struct strs objs = { 0 }, defs = { 0 };

	kernel_objects(&objs);
	kernel_definitions(&objs, &defs);
	for (size_t i = 0; i < sizeof(libc) / sizeof(libc[0]); i++)
		cr_expect_not(strs_has(&defs, libc[i]), "the kernel defines %s",
			      libc[i]);
	strs_free(&objs);
	strs_free(&defs);
}

Test(symbols, kernel_sources_include_only_allowed_headers)
{
	char src[PATH_MAX], build[PATH_MAX];
	struct strs files = { 0 }, bad = { 0 };

	source_dir(src, sizeof(src));
	build_dir(build, sizeof(build));
	kernel_sources(src, &files);
	cr_assert_gt(files.n, 5, "no kernel sources under %s", src);
	for (size_t i = 0; i < files.n; i++)
		include_violations(files.v[i], src, build, &bad);
	cr_assert_eq(bad.n, 0, "%zu includes outside the rules:\n%s", bad.n,
		     strs_join(&bad));
	strs_free(&files);
	strs_free(&bad);
}

/* ---- the checkers catch planted violations -------------------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void
tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/rumpkit-symbols-XXXXXX");
	cr_assert_not_null(mkdtemp(buf));
}

static void
rmtree(const char *dir)
{
	cr_assert_eq(host_rmtree(dir), 0);
}

Test(symbols, checker_flags_libc_calls)
{
	char dir[PATH_MAX], c[PATH_MAX + 16], o[PATH_MAX + 16];
	char cmd[3 * PATH_MAX];
	const char *cc = getenv("CC");
	struct strs objs = { 0 }, defs = { 0 }, bad = { 0 };
	char *list;

	tmpdir(dir, sizeof(dir));
	snprintf(c, sizeof(c), "%s/bad.c", dir);
	snprintf(o, sizeof(o), "%s/bad.o", dir);
	write_file(c, "#include <stdio.h>\n"
		      "#include <string.h>\n"
		      "int rump_missing(void);\n"
		      "void rumpuser_putchar(int);\n"
		      "int rump_own(void);\n"
		      "int rump_own(void) { return 1; }\n"
		      "void f(char *d, const char *s, unsigned long n);\n"
		      "void f(char *d, const char *s, unsigned long n)\n"
		      "{ memcpy(d, s, n); rumpuser_putchar(*d);\n"
		      "  printf(\"%d\", rump_own()); rump_missing(); }\n");
	snprintf(cmd, sizeof(cmd),
		 "%s -O0 -w -fno-builtin -c -o '%s' '%s' 2>&1",
		 cc != NULL && cc[0] != '\0' ? cc : "cc", o, c);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	strs_add(&objs, o);
	kernel_definitions(&objs, &defs);
	boundary_violations(&objs, &defs, &bad);
	list = strs_join(&bad);
	rmtree(dir);
	cr_assert_eq(bad.n, 2, "flagged:\n%s", list);
	cr_assert_not_null(strstr(list, ": printf\n"), "%s", list);
	cr_assert_not_null(strstr(list, ": rump_missing\n"), "%s", list);
	free(list);
	strs_free(&objs);
	strs_free(&defs);
	strs_free(&bad);
}

Test(symbols, checker_flags_host_headers)
{
	char dir[PATH_MAX], src[PATH_MAX + 16], hdr[PATH_MAX + 16];
	struct strs bad = { 0 };
	char *list;

	tmpdir(dir, sizeof(dir));
	snprintf(src, sizeof(src), "%s/k.c", dir);
	snprintf(hdr, sizeof(hdr), "%s/own.h", dir);
	write_file(hdr, "/* ours */\n");
	write_file(src, "#include <stddef.h>\n"
			"#include <stdint.h>\n"
			"#include <stdbool.h>\n"
			"#include <stdarg.h>\n"
			"#include <linux/errno.h>\n"
			"#include <asm/unistd.h>\n"
			"#include <asm-generic/errno-base.h>\n"
			"#include <rump/rump.h>\n"
			"#include <rump/rumpuser.h>\n"
			"#include \"own.h\"\n"
			"  #  include <stdio.h>\n"
			"#include <rump/rump_syscalls.h>\n"
			"#include \"stdlib.h\"\n"
			"#include \"../../usr/include/string.h\"\n"
			"#include HEADER\n"
			"#include_next <limits.h>\n"
			"#include <pthread.h>\n");
	include_violations(src, dir, dir, &bad);
	list = strs_join(&bad);
	rmtree(dir);
	cr_assert_eq(bad.n, 7, "flagged:\n%s", list);
	for (int line = 11; line <= 17; line++) {
		char needle[32];

		snprintf(needle, sizeof(needle), "k.c:%d: ", line);
		cr_assert_not_null(strstr(list, needle),
				   "line %d not flagged:"
				   "\n%s",
				   line, list);
	}
	free(list);
	strs_free(&bad);
}
