/* 64-bit integer arithmetic against values Python computed (case.h): + - * / % << >>. */
#include "check.h"
#include "case.h"
#include "arith_run.h"


int main(void)
{
    RUN(uint64_t, u64, 70)
    RUN(int64_t, i64, 80)
    finish(PASS, 0, 0);
}
