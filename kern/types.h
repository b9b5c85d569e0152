/*
 * types.h: the kernel's basic types.  Kernel code may include only
 * freestanding headers, Linux UAPI headers and its own; the Linux types
 * below are the syscall ABI's.
 */
#ifndef RUMP_KERN_TYPES_H
#define RUMP_KERN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/posix_types.h>

typedef __kernel_ssize_t ssize_t;
typedef __kernel_off_t off_t;
typedef __kernel_pid_t pid_t;
typedef __kernel_uid32_t uid_t;
typedef __kernel_gid32_t gid_t;
typedef __kernel_mode_t mode_t;
typedef __kernel_time_t time_t;
typedef unsigned long rlim_t;
typedef __kernel_clockid_t clockid_t;
typedef __kernel_clock_t clock_t;

/*
 * Signal types of the syscall ABI: sigset_t (the kernel's 8 bytes),
 * stack_t, siginfo_t, struct sigevent.  Only in the (freestanding)
 * kernel build: white-box tests include kernel headers next to libc's,
 * whose sigset_t is another type.
 */
#if !__STDC_HOSTED__
#include <asm/signal.h>
#include <asm/siginfo.h>
#endif
/* ipc: poll and select (the kernel reads fd_set as unsigned longs). */
typedef unsigned long nfds_t;
typedef unsigned int socklen_t; /* ipc: sockets */
#ifndef _SYS_SELECT_H /* a wrapper (kern/wrap/) that has libc's already */
typedef __kernel_fd_set fd_set;
#endif

#endif /* RUMP_KERN_TYPES_H */
