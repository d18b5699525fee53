/* fixture_lib.c - second file of the TUI golden fixture; its path is
 * rewritten to a missing one so the source view shows that case. */
__attribute__((noinline)) double lib_work(int n)
{
	double s = 0;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < 100000; i++)
			s += (double)(i % 13) * 0.5;
	return s;
}
