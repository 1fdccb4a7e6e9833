// Hand experiment beside bench/appender-input.c: keeps CPU 1 busy, either with integer work
// (alu) or copying BYTES between two buffers (copy BYTES), to see whether a busy neighbour
// slows the appender on CPU 0 (shared caches, memory bandwidth, SMT on the host).
//   gcc -O2 -o neighbor bench/neighbor.c && ./neighbor alu   (or: ./neighbor copy 16777216)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <signal.h>
int main(int argc,char**argv){ cpu_set_t s;CPU_ZERO(&s);CPU_SET(1,&s);sched_setaffinity(0,sizeof s,&s);
  const char*m=argv[1]; size_t n=argc>2?atol(argv[2]):0;
  if(!strcmp(m,"alu")){ volatile unsigned long x=1; for(;;){ for(int i=0;i<1000000;i++) x=x*3+i; } }
  char*a=malloc(n),*b=malloc(n); memset(a,1,n); memset(b,2,n);
  for(;;){ memcpy(b,a,n); a[0]++; }
}
