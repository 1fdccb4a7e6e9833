// Hand experiment beside bench/appender-input.c: keeps CPU 1 busy, either with integer work
// (alu) or copying BYTES between two buffers (copy BYTES), to see whether a busy neighbour
// slows the appender on CPU 0 (shared caches, memory bandwidth, SMT on the host). Or shares
// CPU 0 with it (share WORK_US SLEEP_US BYTES): runs WORK_US, touching BYTES of its own memory,
// then sleeps SLEEP_US, so that the appender is preempted at every wake-up, as the writer is by
// the receive side and the publisher; the appender's own CPU per message says what each
// switch costs it beyond the time taken.
//   gcc -O2 -o neighbor bench/neighbor.c && ./neighbor alu   (or: ./neighbor copy 16777216,
//   ./neighbor share 100 100 1048576)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <signal.h>
#include <time.h>
static double mono(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){ cpu_set_t s;CPU_ZERO(&s);CPU_SET(strcmp(argv[1],"share")?1:0,&s);sched_setaffinity(0,sizeof s,&s);
  const char*m=argv[1]; size_t n=argc>2?atol(argv[2]):0;
  if(!strcmp(m,"alu")){ volatile unsigned long x=1; for(;;){ for(int i=0;i<1000000;i++) x=x*3+i; } }
  if(!strcmp(m,"share")){
    double work=1e-6*atol(argv[2]); long sleep_ns=1000*atol(argv[3]); size_t bytes=atol(argv[4]);
    volatile unsigned char*a=malloc(bytes+64); memset((void*)a,1,bytes+64);
    struct timespec z={0,sleep_ns};
    for(unsigned k=0;;k++){ double end=mono()+work;
      do { for(size_t i=0;i<bytes;i+=64) a[i]+=k; } while(mono()<end);
      nanosleep(&z,NULL); } }
  char*a=malloc(n),*b=malloc(n); memset(a,1,n); memset(b,2,n);
  for(;;){ memcpy(b,a,n); a[0]++; }
}
