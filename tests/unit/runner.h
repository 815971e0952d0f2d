/* The one function each Check unit-test file provides to the shared runner. */
#ifndef TESTS_UNIT_RUNNER_H
#define TESTS_UNIT_RUNNER_H

#include <check.h>

/* Build the test file's suite; called once by main() in runner.c. */
Suite *unit_suite(void);

#endif /* TESTS_UNIT_RUNNER_H */
