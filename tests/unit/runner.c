/* Shared main() of the Check unit-test binaries: runs the file's suite, fails on any failure. */
#include <stdlib.h>

#include "runner.h"

int main(void)
{
	SRunner *sr = srunner_create(unit_suite());
	int failed;

	/* CK_FORK stays the default (or what CK_FORK= says): a crash fails one test. */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
