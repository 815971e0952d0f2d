/* snapshot_point.h: the hook echo_http calls where a snapshot of a listening server may be taken. */
#ifndef PEERS_SNAPSHOT_POINT_H
#define PEERS_SNAPSHOT_POINT_H

/*
 * snapshot_point: called once, after the server listens and before it prints
 * "ready", when NANVIX_SNAPSHOT=1 is in the environment.  The default
 * (snapshot_point.c) does nothing; a build for a snapshotting runtime links
 * a strong definition instead.  It returns in the original and, after a
 * restore, in every copy.
 */
void snapshot_point(void);

#endif
