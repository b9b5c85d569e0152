/* errnames.h: errno names and descriptions for the syscall tracer. */
#ifndef RUMP_KERN_ERRNAMES_H
#define RUMP_KERN_ERRNAMES_H

/* "ENOENT" for ENOENT; "E?" when unknown. */
const char *errno_name(int e);
/* A one-line description; "unknown error" when unknown. */
const char *errno_desc(int e);

#endif
