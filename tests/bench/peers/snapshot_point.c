/* snapshot_point: the default hook, a weak no-op that a snapshotting runtime's build overrides. */
#include "snapshot_point.h"

__attribute__((weak)) void snapshot_point(void)
{
}
