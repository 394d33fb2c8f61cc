{
  "targets": [
    {
      "target_name": "bct_gemm",
      "sources": ["bct_gemm.c", "bct_kernels.c", "bct_attention.c", "bct_packed.c", "parallel.c"],
      "cflags": ["-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-psabi", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lopenblas"]
    }
  ]
}
