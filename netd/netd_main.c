/*
 * croft-netd: placeholder main until the daemon lands.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "croft-netd: not built yet\n");
	return 1;
}
