/* Every op of splot.h on fixed inputs, on one path, each output written to a file: compares two
 * builds bit for bit, e.g. the scalar path on aarch64 (cross-compiled, run under qemu) with the
 * scalar path on x86-64. Not part of the Maven build; see native/README.md, "Other architectures":
 *   cmake -S native -B /tmp/arm -DCMAKE_TOOLCHAIN_FILE=$PWD/cmake/toolchains/aarch64-linux-gnu.cmake && cmake --build /tmp/arm
 *   aarch64-linux-gnu-g++ -O2 -std=c++17 -fopenmp -Inative/include native/bench/ops_digest.cpp /tmp/arm/libsplot.a -o digest-arm
 *   cmake -S native -B /tmp/x86 && cmake --build /tmp/x86
 *   g++ -O2 -std=c++17 -fopenmp -Inative/include native/bench/ops_digest.cpp /tmp/x86/libsplot.a -o digest-x86
 *   qemu-aarch64 -L /usr/aarch64-linux-gnu ./digest-arm scalar arm.bin && ./digest-x86 scalar x86.bin && cmp arm.bin x86.bin */
#include "splot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>
static float* F(long n, int salt){ float* p=(float*)malloc(n*4); for(long i=0;i<n;i++) p[i]=(float)(((i*37+salt*11)%17)-8)/8.f + 1e-3f*(float)((i*7)%13); return p;}
static FILE* out;
static void put(const char* name, const void* p, long bytes){ fprintf(out, "%s %ld\n", name, bytes); fwrite(p,1,bytes,out); fputc('\n',out);}
int main(int argc, char** argv){
  const char* isa = argc>1? argv[1] : "scalar"; out = fopen(argc>2? argv[2] : "digest.bin","wb");
  char e[200]; void* ctx=splot_create(isa,2,e,200); if(!ctx){printf("%s\n",e);return 1;}
  printf("best=%s using=%s avx2=%d avx512=%d\n", splot_best_isa(), splot_isa(ctx), splot_cpu_supports("avx2"), splot_cpu_supports("avx512"));
  struct C{int n,c,h,w,o,kh,kw,s,pt,pl,oh,ow;};
  std::vector<C> cs={{2,3,7,6,5,3,3,1,1,1,7,6},{3,2,9,8,4,3,3,2,0,0,4,3},{2,8,30,27,8,3,3,1,1,1,30,27},{2,32,26,26,64,3,3,1,0,0,24,24},{1,5,6,7,7,1,1,1,0,0,6,7}};
  const char* convs[]={"gemm","winograd2","winograd4"};
  char name[64];
  for(const char* conv: convs){ splot_set_conv_algorithm(ctx,conv); int gi=0;
    for(auto g: cs){ long xi=(long)g.n*g.c*g.h*g.w, wi=(long)g.o*g.c*g.kh*g.kw, yi=(long)g.n*g.o*g.oh*g.ow;
      float *x=F(xi,1),*w=F(wi,2),*b=F(g.o,3),*y=F(yi,4),*dx=F(xi,5),*dw=F(wi,6),*db=F(g.o,7),*dy=F(yi,8);
      splot_conv2d_forward(ctx,x,w,b,y,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
      splot_conv2d_backward_data(ctx,dy,w,dx,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
      splot_conv2d_backward_weights(ctx,x,dy,dw,db,g.n,g.c,g.h,g.w,g.o,g.kh,g.kw,g.s,g.s,g.pt,g.pl,g.oh,g.ow);
      snprintf(name,64,"conv_fwd_%s_%d",conv,gi); put(name,y,yi*4);
      snprintf(name,64,"conv_bwd_data_%s_%d",conv,gi); put(name,dx,xi*4);
      snprintf(name,64,"conv_bwd_w_%s_%d",conv,gi); put(name,dw,wi*4);
      snprintf(name,64,"conv_bwd_b_%s_%d",conv,gi); put(name,db,g.o*4);
      free(x);free(w);free(b);free(y);free(dx);free(dw);free(db);free(dy); gi++;}}
  { int n=7,in=300,out_=17; float *x=F(n*in,1),*w=F(out_*in,2),*b=F(out_,3),*y=F(n*out_,4),*dx=F(n*in,5),*dw=F(out_*in,6),*db=F(out_,7);
    splot_dense_forward(ctx,x,w,b,y,n,in,out_); put("dense_fwd",y,n*out_*4);
    splot_dense_backward(ctx,y,x,w,dx,dw,db,n,in,out_); put("dense_dx",dx,n*in*4); put("dense_dw",dw,out_*in*4); put("dense_db",db,out_*4);}
  { int n=2,c=3,h=9,w=9,k=3,s=2,oh=4,ow=4; long xi=n*c*h*w, yi=n*c*oh*ow; float *x=F(xi,1),*y=F(yi,2),*dx=F(xi,3); int* a=(int*)malloc(yi*4);
    splot_maxpool_forward(ctx,x,y,a,n,c,h,w,k,k,s,s,oh,ow); splot_maxpool_backward(ctx,y,a,dx,n,c,h,w,oh,ow);
    put("maxpool_y",y,yi*4); put("maxpool_arg",a,yi*4); put("maxpool_dx",dx,xi*4);}
  { int n=2,c=3,h=9,w=9,k=3,s=2,oh=4,ow=4; long xi=n*c*h*w, yi=n*c*oh*ow; float *x=F(xi,1),*y=F(yi,2),*dx=F(xi,3);
    splot_avgpool_forward(ctx,x,y,n,c,h,w,k,k,s,s,oh,ow); splot_avgpool_backward(ctx,y,dx,n,c,h,w,k,k,s,s,oh,ow);
    put("avgpool_y",y,yi*4); put("avgpool_dx",dx,xi*4);}
  { int n=3,c=5,h=4,w=3; long xi=n*c*h*w; float *x=F(xi,1),*y=F(xi,2),*dx=F(xi,3),*dy=F(xi,4),*gm=F(c,5),*bt=F(c,6),*mu=F(c,7),
    *is=F(c,8),*rm=F(c,9),*rv=F(c,10),*dg=F(c,11),*db=F(c,12);
    for(int i=0;i<c;i++) rv[i]=rv[i]*rv[i]+0.5f;
    splot_batchnorm_forward_training(ctx,x,gm,bt,y,mu,is,rm,rv,n,c,h,w,0.1f,1e-5f);
    put("bn_y",y,xi*4); put("bn_mean",mu,c*4); put("bn_invstd",is,c*4); put("bn_rmean",rm,c*4); put("bn_rvar",rv,c*4);
    splot_batchnorm_backward(ctx,dy,x,gm,mu,is,dx,dg,db,n,c,h,w); put("bn_dx",dx,xi*4); put("bn_dgamma",dg,c*4); put("bn_dbeta",db,c*4);
    splot_batchnorm_forward_inference(ctx,x,gm,bt,rm,rv,y,n,c,h,w,1e-5f); put("bn_infer",y,xi*4);}
  { long n=1000; float *x=F(n,1),*y=F(n,2),*m=F(n,3),*d=F(n,4),*g=F(n,5);
    splot_relu_forward(ctx,x,y,n); put("relu_fwd",y,n*4); splot_relu_backward(ctx,g,y,d,n); put("relu_bwd",d,n*4);
    splot_dropout_forward(ctx,x,y,m,n,0.5f,1,2,3); put("dropout_y",y,n*4); put("dropout_mask",m,n*4);
    splot_dropout_backward(ctx,g,m,d,n); put("dropout_bwd",d,n*4);
    for(long i=0;i<n;i++){m[i]=m[i]*m[i]*0.1f; d[i]=x[i]*x[i]*0.01f;}
    splot_adadelta(ctx,x,g,m,d,n,1,0.95f,1e-7f); put("adadelta_p",x,n*4); put("adadelta_ag",m,n*4); put("adadelta_ad",d,n*4);}
  { float* l=F(30,1),*dl=F(30,2),*p=F(30,3); int lab[3]={0,9,4}; double loss; int cor; splot_softmax_xent(ctx,l,lab,dl,3,10,&loss,&cor); splot_softmax(ctx,l,p,3,10);
    put("xent_dl",dl,120); put("xent_loss",&loss,8); put("xent_correct",&cor,4); put("softmax",p,120);}
  { float *a=F(7*13,1),*b=F(13*29,2),*c=F(7*29,3); splot_sgemm(ctx,7,29,13,a,b,c); put("sgemm",c,7*29*4);}
  fclose(out); splot_destroy(ctx); printf("ok\n"); return 0;
}
