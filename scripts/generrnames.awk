# generrnames.awk: the errno name table for the syscall tracer, made at
# build time from the Linux UAPI errno headers given as input.
#   awk -f generrnames.awk errno-base.h errno.h > errnames.c
BEGIN {
	print "/* Generated from the Linux errno headers by generrnames.awk. */"
	print "#include \"errnames.h\"\n"
	print "static const struct {\n\tconst char *name, *desc;\n} errtab[] = {"
}
/^#define[ \t]+E[A-Z0-9]+[ \t]+[0-9]+/ {
	name = $2; num = $3 + 0
	desc = ""
	if (match($0, /\/\*.*\*\//)) {
		desc = substr($0, RSTART + 2, RLENGTH - 4)
		gsub(/^[ \t]+|[ \t]+$/, "", desc)
		gsub(/"/, "'", desc)
	}
	if (!(num in seen)) {
		seen[num] = 1
		printf "\t[%d] = { \"%s\", \"%s\" },\n", num, name, desc
	}
}
END {
	print "};\n"
	print "const char *\nerrno_name(int e)\n{"
	print "\tif (e > 0 && e < (int)(sizeof(errtab) / sizeof(errtab[0])) && errtab[e].name)"
	print "\t\treturn errtab[e].name;\n\treturn \"E?\";\n}\n"
	print "const char *\nerrno_desc(int e)\n{"
	print "\tif (e > 0 && e < (int)(sizeof(errtab) / sizeof(errtab[0])) && errtab[e].desc)"
	print "\t\treturn errtab[e].desc;\n\treturn \"unknown error\";\n}"
}
