/* Memory-safety smoke run of every op on odd shapes, all paths, with exact-size heap buffers.
 * Build and run by hand with AddressSanitizer + UBSan (not part of the Maven build):
 *   S="-fsanitize=address,undefined -g -O1 -std=c++17 -ffp-contract=off -fopenmp -Inative/include -Inative/src"
 *   g++ $S -DSPLOT_SCRATCH_EXACT -c native/src/dispatch.cpp -o d.o; g++ $S -c native/src/isa_scalar.cpp -o s.o
 *   g++ $S -mavx2 -mfma -c native/src/isa_avx2.cpp -o a2.o
 *   g++ $S -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mavx2 -c native/src/isa_avx512.cpp -o a5.o
 *   g++ $S native/bench/sanitize_smoke.cpp d.o s.o a2.o a5.o -o smoke && ./smoke */
#include "splot.h"
#include <stdio.h>
#include <stdlib.h>
#include <vector>
// every op on odd shapes, exact-size heap buffers (malloc, so ASan sees overflows)
static float* F(long n){ float* p=(float*)malloc(n*4); for(long i=0;i<n;i++) p[i]=(float)((i*37)%17-8)/8.f; return p;}
int main(){
 const char* isas[]={"scalar","avx2","avx512"};
 struct C{int n,c,h,w,o,kh,kw,s,pt,pl,oh,ow;};
 std::vector<C> cs={{1,1,5,5,1,3,3,1,0,0,3,3},{2,3,7,6,5,3,3,1,1,1,7,6},{3,2,9,8,4,3,3,2,0,0,4,3},{2,3,8,9,3,3,3,2,0,1,4,5},
   {1,5,6,7,7,1,1,1,0,0,6,7},{2,4,10,10,6,5,5,1,2,2,10,10},{1,3,11,13,9,2,4,3,0,1,4,5},{3,1,28,28,32,3,3,1,0,0,26,26},{1,17,12,11,33,3,3,1,0,0,10,9},{2,1,1,1,1,1,1,1,0,0,1,1},
   {1,9,7,5,10,3,3,1,1,1,7,5},{2,8,30,27,8,3,3,1,1,1,30,27},{2,32,26,26,64,3,3,1,0,0,24,24},
   {3,3,26,25,5,3,3,1,0,0,24,23},{1,1,5,5,2,3,3,1,0,0,3,3},{2,3,7,6,4,3,3,1,1,1,7,6},{1,1,2,2,1,3,3,1,1,1,2,2},{1,2,1,1,3,3,3,1,1,1,1,1},{1,4,3,1,2,3,3,1,1,1,3,1}};
 const char* convs[]={"auto","gemm","winograd2","winograd4"};
 for(const char* isa: isas){ char e[200]; void* ctx=splot_create(isa,2,e,200); if(!ctx){printf("%s\n",e);continue;}
  for(const char* conv: convs){ splot_set_conv_algorithm(ctx,conv);
  for(auto g: cs){ long xi=(long)g.n*g.c*g.h*g.w, wi=(long)g.o*g.c*g.kh*g.kw, yi=(long)g.n*g.o*g.oh*g.ow;
   float *x=F(xi),*w=F(wi),*b=F(g.o),*y=F(yi),*dx=F(xi),*dw=F(wi),*db=F(g.o);
   splot_conv2d_forward(ctx,x,w,b,y,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
   splot_conv2d_backward_data(ctx,y,w,dx,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
   splot_conv2d_backward_weights(ctx,x,y,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
   splot_conv2d_relu_forward(ctx,x,w,b,y,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
   splot_conv2d_backward_data_relu(ctx,y,w,x,dx,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
   if(g.oh>=2&&g.ow>=2){ /* the fused backward from a 2x2 max-pool + dropout of y: with dx through a ReLU, plain dx, none */
    int ph=(g.oh-2)/2+1,pw=(g.ow-2)/2+1; long pi=(long)g.n*g.o*ph*pw; float *p=F(pi),*pd=F(pi),*m=F(pi); int* a=(int*)malloc(pi*4);
    splot_conv2d_relu_maxpool_forward(ctx,x,w,b,p,a,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow); /* 1: no fused path */
    splot_maxpool_dropout_forward(ctx,y,p,a,pd,m,g.n,g.o,g.oh,g.ow,2,2,2,2,ph,pw,0.25f,1,2,3,0);
    splot_pool_relu_conv2d_backward(ctx,pd,m,a,p,ph,pw,x,w,dx,x,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
    splot_pool_relu_conv2d_backward(ctx,pd,m,a,p,ph,pw,x,w,dx,nullptr,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
    splot_pool_relu_conv2d_backward(ctx,pd,m,a,p,ph,pw,x,w,nullptr,nullptr,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
    a[0]=-7; a[pi-1]=1<<30; /* hostile argmax: skipped and reported (2), or no fused path (1), never followed */
    if(splot_pool_relu_conv2d_backward(ctx,pd,m,a,p,ph,pw,x,w,dx,x,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow)==0){
     printf("FAIL: %s %s fused backward accepted a hostile argmax\n",isa,conv); return 1;}
    free(p);free(pd);free(m);free(a);}
   free(x);free(w);free(b);free(y);free(dx);free(dw);free(db);}}
  int dc[][3]={{1,9,7},{3,33,10},{5,130,129},{2,1,1},{7,300,17},{4,9216,128},{128,9216,128},{3,700,5}};
  for(auto& d: dc){int n=d[0],in=d[1],out=d[2]; float *x=F((long)n*in),*w=F((long)out*in),*b=F(out),*y=F((long)n*out),*dx=F((long)n*in),*dw=F((long)out*in),*db=F(out);
   splot_dense_forward(ctx,x,w,b,y,n,in,out); splot_dense_backward(ctx,y,x,w,dx,dw,db,n,in,out); splot_dense_backward(ctx,y,x,w,nullptr,dw,db,n,in,out);
   free(x);free(w);free(b);free(y);free(dx);free(dw);free(db);}
  int pc[][6]={{1,1,2,2,2,2},{2,3,6,6,2,2},{1,4,7,5,2,2},{2,2,9,9,3,2},{3,64,24,24,2,2},{1,1,2,40,2,2}};
  for(auto& p: pc){int n=p[0],c=p[1],h=p[2],w=p[3],k=p[4],s=p[5],oh=(h-k)/s+1,ow=(w-k)/s+1; long xi=(long)n*c*h*w, yi=(long)n*c*oh*ow;
   float *x=F(xi),*y=F(yi),*dx=F(xi); int* a=(int*)malloc(yi*4);
   splot_maxpool_forward(ctx,x,y,a,n,c,h,w,k,k,s,s,oh,ow); splot_maxpool_backward(ctx,y,a,dx,n,c,h,w,oh,ow);
   float *m=F(yi),*yd=F(yi); splot_maxpool_dropout_forward(ctx,x,y,a,yd,m,n,c,h,w,k,k,s,s,oh,ow,0.25f,1,2,3,5);
   splot_dropout_maxpool_relu_backward(ctx,yd,m,a,y,dx,n,c,h,w,oh,ow);
   a[0]=-7; a[yi-1]=(int)xi; /* hostile argmax: before x, and just past it: skipped and reported, never followed */
   if(splot_maxpool_backward(ctx,y,a,dx,n,c,h,w,oh,ow)!=1||splot_dropout_maxpool_relu_backward(ctx,yd,m,a,y,dx,n,c,h,w,oh,ow)!=1){
    printf("FAIL: %s pooling backward accepted a hostile argmax\n",isa); return 1;}
   free(m);free(yd);
   free(x);free(y);free(dx);free(a);}
  for(auto& p: pc){int n=p[0],c=p[1],h=p[2],w=p[3],k=p[4],s=p[5],oh=(h-k)/s+1,ow=(w-k)/s+1; long xi=(long)n*c*h*w, yi=(long)n*c*oh*ow;
   float *x=F(xi),*y=F(yi),*dx=F(xi),*g=F(n*c);
   splot_avgpool_forward(ctx,x,y,n,c,h,w,k,k,s,s,oh,ow); splot_avgpool_backward(ctx,y,dx,n,c,h,w,k,k,s,s,oh,ow);
   splot_avgpool_forward(ctx,x,g,n,c,h,w,h,w,h,w,1,1); splot_avgpool_backward(ctx,g,dx,n,c,h,w,h,w,h,w,1,1); free(x);free(y);free(dx);free(g);}
  int bc[][4]={{1,3,5,7},{4,5,3,3},{7,2,1,1},{3,64,12,12},{128,32,28,28}};
  for(auto& q: bc){int n=q[0],c=q[1],h=q[2],w=q[3]; long xi=(long)n*c*h*w;
   float *x=F(xi),*y=F(xi),*dx=F(xi),*gm=F(c),*bt=F(c),*mu=F(c),*is=F(c),*rm=F(c),*rv=F(c),*dg=F(c),*db=F(c);
   for(int i=0;i<c;i++) rv[i]=1.f;
   splot_batchnorm_forward_training(ctx,x,gm,bt,y,mu,is,rm,rv,n,c,h,w,0.1f,1e-5f);
   splot_batchnorm_forward_inference(ctx,x,gm,bt,rm,rv,y,n,c,h,w,1e-5f);
   splot_batchnorm_backward(ctx,y,x,gm,mu,is,dx,dg,db,n,c,h,w);
   free(x);free(y);free(dx);free(gm);free(bt);free(mu);free(is);free(rm);free(rv);free(dg);free(db);}
  for(long n: {1L,5L,63L,64L,65L,1000L,27649L,40000L}){ float *x=F(n),*y=F(n),*m=F(n),*d=F(n);
   splot_relu_forward(ctx,x,y,n); splot_relu_backward(ctx,x,y,d,n); splot_dropout_forward(ctx,x,y,m,n,0.5f,1,2,3); splot_dropout_backward(ctx,x,m,d,n);
   splot_fill(ctx,d,n,1.f); splot_copy(ctx,x,d,n); for(long i=0;i<n;i++){m[i]=m[i]*m[i]; d[i]=d[i]*d[i];} splot_adadelta(ctx,x,y,m,d,n,1,0.95f,1e-7f); free(x);free(y);free(m);free(d);}
  { float* l=F(30),*dl=F(30); int lab[3]={0,9,4}; double loss; int cor; splot_softmax_xent(ctx,l,lab,dl,3,10,&loss,&cor); splot_softmax(ctx,l,dl,3,10); free(l);free(dl);}
  { float *a=F(7*13),*b=F(13*29),*c=F(7*29); splot_sgemm(ctx,7,29,13,a,b,c); free(a);free(b);free(c);}
  printf("%s ok\n",isa); splot_destroy(ctx);}
}
