// Hand experiment (issue 14, BENCHMARKS.md "The writer's extra CPU at 1032 B"): the C appender's own
// thread CPU per message by where its input bytes were last written: hot (one slab, filled once),
// local (it fills the slab itself before each batch), remote (a thread on CPU 1 fills the next
// slab), cold (N slabs cycled, beyond the caches). Pinned to CPU 0.
//   gcc -O2 -o appender-input bench/appender-input.c -I/usr/include/hdf5/serial \
//       -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lpthread
//   ./appender-input MODE MESSAGE_BYTES MESSAGES BATCH FILE [SLABS for cold]
#define _GNU_SOURCE
#include <hdf5.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>

static double tcpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double mono(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static hid_t mkds(hid_t f,const char*n,hid_t ty,hsize_t c){hsize_t d=0,m=H5S_UNLIMITED;hid_t s=H5Screate_simple(1,&d,&m);hid_t p=H5Pcreate(H5P_DATASET_CREATE);H5Pset_chunk(p,1,&c);H5Pset_deflate(p,1);hid_t r=H5Dcreate2(f,n,ty,s,H5P_DEFAULT,p,H5P_DEFAULT);H5Pclose(p);H5Sclose(s);return r;}
static void app(hid_t d,hid_t mt,const void*b,hsize_t st,hsize_t c){hsize_t n=st+c;H5Dset_extent(d,&n);hid_t fs=H5Dget_space(d);H5Sselect_hyperslab(fs,H5S_SELECT_SET,&st,NULL,&c,NULL);hid_t ms=H5Screate_simple(1,&c,&c);if(H5Dwrite(d,mt,ms,fs,H5P_DEFAULT,b)<0){fprintf(stderr,"write\n");exit(1);}H5Sclose(ms);H5Sclose(fs);}

static size_t msz; static long batch; static int nbuf; static unsigned char **bufs; // nbuf slabs of batch*msz
static atomic_long produced, consumed; static long nbatches;
static void fill(unsigned char*p,long k){ for(long i=0;i<batch;i++){unsigned char*m=p+i*msz; memset(m,(int)(k+i),msz); m[0]=0x44;} }
static void pin(int c);
static void* producer(void*a){ (void)a; pin(1); for(long k=0;k<nbatches;k++){ while(k-atomic_load(&consumed)>=nbuf-1) sched_yield(); fill(bufs[k%nbuf],k); atomic_store(&produced,k+1);} return NULL;}
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}

int main(int argc,char**argv){
  // mode: hot (one slab, filled once), local (appender fills the slab itself before each batch), remote (another thread fills, other CPU), cold (many slabs filled once, cycled)
  const char*mode=argv[1]; msz=atol(argv[2]); long total=atol(argv[3]); batch=atol(argv[4]); const char*path=argv[5];
  nbatches=total/batch; nbuf = !strcmp(mode,"cold")? atoi(argv[6]) : (!strcmp(mode,"remote")? 3:1);
  bufs=malloc(sizeof(*bufs)*nbuf); for(int i=0;i<nbuf;i++){bufs[i]=aligned_alloc(64,batch*msz); fill(bufs[i],i);}
  pin(0); pthread_t th; if(!strcmp(mode,"remote")){ pthread_create(&th,NULL,producer,NULL); }
  H5Eset_auto2(H5E_DEFAULT,NULL,NULL);
  hid_t fapl=H5Pcreate(H5P_FILE_ACCESS); H5Pset_libver_bounds(fapl,H5F_LIBVER_LATEST,H5F_LIBVER_LATEST); H5Pset_file_locking(fapl,0,1);
  hid_t f=H5Fcreate(path,H5F_ACC_TRUNC,H5P_DEFAULT,fapl);
  hid_t ft=H5Tvlen_create(H5T_STD_U8LE), mt=H5Tvlen_create(H5T_NATIVE_UINT8);
  hid_t ht=H5Tcreate(H5T_COMPOUND,1); H5Tinsert(ht,"io_groups",0,H5T_STD_U8LE);
  hid_t hm=H5Tcreate(H5T_COMPOUND,1); H5Tinsert(hm,"io_groups",0,H5T_NATIVE_UINT8);
  hid_t msgs=mkds(f,"msgs",ft,4096), hdrs=mkds(f,"msg_headers",ht,4096);
  H5Fstart_swmr_write(f); H5Fflush(f,H5F_SCOPE_GLOBAL);
  hvl_t*desc=malloc(sizeof(hvl_t)*batch); unsigned char*g=malloc(batch); memset(g,1,batch);
  double c0=tcpu(), w0=mono(), lastf=w0, fillcpu=0; long written=0;
  for(long k=0;k<nbatches;k++){
    unsigned char*p;
    if(!strcmp(mode,"remote")){ while(atomic_load(&produced)<=k) sched_yield(); p=bufs[k%nbuf]; }
    else if(!strcmp(mode,"local")){ double a=tcpu(); fill(bufs[0],k); fillcpu+=tcpu()-a; p=bufs[0]; }
    else p=bufs[k%nbuf];
    for(long i=0;i<batch;i++){desc[i].len=msz;desc[i].p=p+i*msz;}
    app(msgs,mt,desc,written,batch); app(hdrs,hm,g,written,batch); written+=batch;
    atomic_store(&consumed,k+1);
    double t=mono(); if(t-lastf>=1){H5Fflush(f,H5F_SCOPE_GLOBAL);lastf=t;}
  }
  H5Fclose(f);
  double cpu=tcpu()-c0-fillcpu;
  printf("%s %zu B: appender thread %.3f us/msg (wall %.3f s, %ld msgs)\n",mode,msz,1e6*cpu/written,mono()-w0,written);
  if(!strcmp(mode,"remote")) pthread_join(th,NULL);
  return 0;
}
