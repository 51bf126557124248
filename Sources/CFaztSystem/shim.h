#include <malloc.h>
#include <sys/mman.h>

// MADV_PAGEOUT arrived in Linux 5.4; older headers lack the constant.
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
static inline int fazt_madv_pageout(void) { return MADV_PAGEOUT; }

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// Sets the calling thread's nice value (on Linux each thread has its own); setpriority with the
// thread id, which glibc's headers give Swift no gettid() for.
static inline int fazt_nice_this_thread(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

// Puts the calling thread in the SCHED_IDLE class (Linux: it runs only on CPU time no ordinary
// thread wants, and any waking thread preempts it at once); through syscall(2), since the libc
// constant needs _GNU_SOURCE. Returns -1 where the kernel refuses (then nice 19 still applies).
static inline int fazt_idle_class_this_thread(void) {
    struct { int priority; } parameter = { 0 };
    return (int)syscall(SYS_sched_setscheduler, 0, 5 /* SCHED_IDLE */, &parameter);
}

// Puts the calling thread's disk I/O in the idle class (ioprio_set, IOPRIO_CLASS_IDLE): I/O it
// submits itself (reads, and write-back it starts with sync_file_range) waits for the disk to have
// nothing else queued, where the block scheduler honours priorities (mq-deadline, bfq).
static inline int fazt_idle_io_this_thread(void) {
    return (int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0 /* this thread */, 3 << 13 /* IDLE */);
}

// Starts writing back a file range without waiting (sync_file_range with SYNC_FILE_RANGE_WRITE);
// through syscall(2), since the libc declaration needs _GNU_SOURCE.
static inline int fazt_start_writeback(int fd, long long offset, long long length) {
    return (int)syscall(SYS_sync_file_range, fd, (long long)offset, (long long)length, 2u);
}

// Waits until a file range is on the disk (sync_file_range with WAIT_BEFORE | WRITE | WAIT_AFTER):
// bounds how much of a large file being written is in flight at once.
static inline int fazt_wait_writeback(int fd, long long offset, long long length) {
    return (int)syscall(SYS_sync_file_range, fd, (long long)offset, (long long)length, 7u);
}
