/* setjmp/longjmp out of nested calls: the value arrives, the stack unwinds, longjmp(env, 0)
 * makes setjmp return 1. */
#include "check.h"
#include <setjmp.h>

static jmp_buf env;
static volatile uint8_t depth_reached;

static void __attribute__((noinline)) dive(uint8_t depth)
{
    depth_reached = depth;
    if (depth == 5)
        longjmp(env, 42);
    dive(depth + 1);
    depth_reached = 0xFF; /* never: longjmp skipped the rest */
}

int main(void)
{
    static volatile uint8_t rounds;
    uint16_t sp_before = SP;
    int r = setjmp(env);
    if (r == 0) {
        dive(OPAQUE(1));
        finish(10, 0, 0);
    }
    CHECK(14, SP == sp_before);
    if (r == 42) {
        CHECK(12, depth_reached == 5);
        rounds++;
        longjmp(env, 0);
    }
    CHECK(11, r == 1);
    CHECK(13, rounds == 1);
    finish(PASS, 0, 0);
}
