# The native kernel addon (native/README.md). Every kernel family is compiled once per instruction set
# into a static library of its own, with that ISA's flags and VERBO_ISA_NAME naming its namespace; the
# addon links them all and picks one table at load (native/dispatch.cc). Never -march=native: a binary
# built on one x86-64 CPU must run on any other. No -ffast-math (kernels rely on IEEE inf/NaN and on
# the order of their sums). -fno-trapping-math only: nothing in verbo reads the floating-point exception
# flags, and without it GCC will not turn the selects of vecmath.h into vector blends (no result changes).
{
  'variables': {
    'kernel_sources': [
      'native/gemm.cc',
      'native/elementwise.cc',
      'native/softmax.cc',
      'native/lstm.cc',
      'native/gru.cc',
      'native/word2vec.cc',
      'native/scan.cc',
      'native/hnsw.cc',
      'native/hnsw_build.cc',
      'native/fasttext.cc',
      'native/conv.cc',
      'native/table.cc',
    ],
    'common_cflags': ['-O3', '-std=c++17', '-fvisibility=hidden', '-fno-trapping-math'],
  },
  'target_defaults': {
    'cflags!': ['-O2', '-O0'],
    'cflags_cc!': ['-O2', '-O0', '-std=gnu++17', '-std=gnu++1y', '-std=gnu++20'],
    'cflags_cc': ['<@(common_cflags)'],
    'xcode_settings': {
      'OTHER_CPLUSPLUSFLAGS': ['<@(common_cflags)'],
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
    },
  },
  'targets': [
    {
      'target_name': 'verbo',
      'sources': ['native/binding.cc', 'native/dispatch.cc', 'native/pool.cc', 'native/hnsw_graph.cc'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        'verbo_portable',
      ],
      'conditions': [
        ['target_arch=="x64"', {'dependencies': ['verbo_avx512', 'verbo_avx2']}],
        ['target_arch=="arm64"', {'dependencies': ['verbo_neon']}],
      ],
    },
    {
      # Baseline code: SSE2 on x86-64, NEON on arm64 (both are part of the base architecture).
      'target_name': 'verbo_portable',
      'type': 'static_library',
      'sources': ['<@(kernel_sources)'],
      'defines': ['VERBO_ISA_NAME=portable'],
      'cflags_cc': ['-fPIC'],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'verbo_avx512',
          'type': 'static_library',
          'sources': ['<@(kernel_sources)'],
          'defines': ['VERBO_ISA_NAME=avx512'],
          'cflags_cc': ['-fPIC', '-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mfma',
                        '-mprefer-vector-width=512'],
          'xcode_settings': {'OTHER_CPLUSPLUSFLAGS': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl',
                                                      '-mavx2', '-mfma', '-mprefer-vector-width=512']},
        },
        {
          'target_name': 'verbo_avx2',
          'type': 'static_library',
          'sources': ['<@(kernel_sources)'],
          'defines': ['VERBO_ISA_NAME=avx2'],
          'cflags_cc': ['-fPIC', '-mavx2', '-mfma'],
          'xcode_settings': {'OTHER_CPLUSPLUSFLAGS': ['-mavx2', '-mfma']},
        },
      ],
    }],
    ['target_arch=="arm64"', {
      'targets': [
        {
          # The portable sources again, in their own namespace: the compiler vectorises them with NEON.
          'target_name': 'verbo_neon',
          'type': 'static_library',
          'sources': ['<@(kernel_sources)'],
          'defines': ['VERBO_ISA_NAME=neon'],
          'cflags_cc': ['-fPIC'],
        },
      ],
    }],
  ],
}
