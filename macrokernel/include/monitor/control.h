/* nanvixd's control channel (--control-fd): requests from the program that runs it. */
#ifndef MONITOR_CONTROL_H
#define MONITOR_CONTROL_H

#include <stdio.h>

struct instance;

/*
 * Serve requests read from socket `fd` (control.c: one a line, one line
 * back each) for the instance `in` on a thread of its own; `stats` prints
 * its counters as --stats does ("nanvixd: stats: " lines), for the "stats"
 * request.  0 or -errno.
 */
int control_start(int fd, struct instance *in, void (*stats)(struct instance *in, FILE *f));

/* End the thread (before `in` goes away); a request still unanswered gets an error. */
void control_stop(void);

/* Send events to `fd` from now on (before control_start: the channel's fd). */
void control_events_to(int fd);

/*
 * One "event KIND MESSAGE" line down the channel (control.c lists the
 * kinds), if there is one; newlines in MESSAGE become spaces.  Any thread.
 */
void control_event(const char *kind, const char *msg);

#endif /* MONITOR_CONTROL_H */
