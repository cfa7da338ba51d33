// RUN: llama4-opt %s --llama4-gpu-lower-subgroup-reductions \
// RUN:   --llama4-gpu-emulate-on-host --convert-scf-to-cf \
// RUN:   --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:   --convert-arith-to-llvm --convert-index-to-llvm --convert-func-to-llvm \
// RUN:   --convert-cf-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils \
// RUN: | FileCheck %s

// Kernels that only compute the right thing if every thread of a block
// finishes its part before any starts the next (barriers), if a shuffle
// reads the partner lane's value of the same step, and if per-thread values
// and buffers survive both: run on the host and printed.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // A block sums its 64 values as a tree in shared memory: log2(64)
    // steps, a barrier after each, the stride halving per step.
    gpu.func @block_sum(%x: memref<128xf32>, %out: memref<2xf32>)
        workgroup(%partial : memref<64xf32, #gpu.address_space<workgroup>>)
        kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c6 = arith.constant 6 : index
      %c32 = arith.constant 32 : index
      %c64 = arith.constant 64 : index
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %offset = arith.muli %block, %c64 : index
      %i = arith.addi %offset, %thread : index
      %value = memref.load %x[%i] : memref<128xf32>
      memref.store %value, %partial[%thread] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      scf.for %step = %c0 to %c6 step %c1 {
        %stride = arith.shrui %c32, %step : index
        %active = arith.cmpi ult, %thread, %stride : index
        scf.if %active {
          %other = arith.addi %thread, %stride : index
          %a = memref.load %partial[%thread] : memref<64xf32, #gpu.address_space<workgroup>>
          %b = memref.load %partial[%other] : memref<64xf32, #gpu.address_space<workgroup>>
          %sum = arith.addf %a, %b : f32
          memref.store %sum, %partial[%thread] : memref<64xf32, #gpu.address_space<workgroup>>
        }
        gpu.barrier
      }
      %first = arith.cmpi eq, %thread, %c0 : index
      scf.if %first {
        %total = memref.load %partial[%c0] : memref<64xf32, #gpu.address_space<workgroup>>
        memref.store %total, %out[%block] : memref<2xf32>
      }
      gpu.return
    }

    // Each warp sums its 32 values by butterfly shuffles, the running sum
    // carried by a loop around them.
    gpu.func @warp_sum(%x: memref<128xf32>, %out: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c5 = arith.constant 5 : index
      %c32 = arith.constant 32 : index
      %c64 = arith.constant 64 : index
      %width = arith.constant 32 : i32
      %sixteen = arith.constant 16 : i32
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %offset = arith.muli %block, %c64 : index
      %i = arith.addi %offset, %thread : index
      %value = memref.load %x[%i] : memref<128xf32>
      %sum = scf.for %step = %c0 to %c5 step %c1 iter_args(%acc = %value) -> f32 {
        %s = arith.index_cast %step : index to i32
        %mask = arith.shrui %sixteen, %s : i32
        %other, %valid = gpu.shuffle xor %acc, %mask, %width : f32
        %next = arith.addf %acc, %other : f32
        scf.yield %next : f32
      }
      %lane = gpu.lane_id
      %leader = arith.cmpi eq, %lane, %c0 : index
      scf.if %leader {
        %warp = arith.divui %i, %c32 : index
        memref.store %sum, %out[%warp] : memref<4xf32>
      }
      gpu.return
    }

    // shfl.sync.down by one: lane 31 has no source and keeps its value.
    gpu.func @shift_down(%out: memref<32xf32>, %valid: memref<32xf32>) kernel {
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %yes = arith.constant 1.0 : f32
      %no = arith.constant 0.0 : f32
      %lane = gpu.thread_id x
      %i = arith.index_cast %lane : index to i32
      %value = arith.sitofp %i : i32 to f32
      %shifted, %ok = gpu.shuffle down %value, %one, %width : f32
      memref.store %shifted, %out[%lane] : memref<32xf32>
      %flag = arith.select %ok, %yes, %no : f32
      memref.store %flag, %valid[%lane] : memref<32xf32>
      gpu.return
    }

    // A warp per output row, as the warp-per-element template makes it:
    // thread y is the warp, 3 to a block, so the guard against the sixth
    // warp (5 rows) holds for whole warps. Lane l takes k = l, l + 32 (40
    // columns: lanes 0-7 take two), the partial sums meet in a subgroup
    // reduction and the row's accumulator, thread-private, outlives it;
    // lane 0 stores. Row n of W is n + 1.
    gpu.func @warp_rows(%x: memref<128xf32>, %out: memref<6xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %c5 = arith.constant 5 : index
      %c32 = arith.constant 32 : index
      %c40 = arith.constant 40 : index
      %zero = arith.constant 0.0 : f32
      %one = arith.constant 1.0 : f32
      %block = gpu.block_id x
      %warp = gpu.thread_id y
      %lane = gpu.thread_id x
      %first = arith.muli %block, %c3 : index
      %row = arith.addi %first, %warp : index
      %in = arith.cmpi ult, %row, %c5 : index
      scf.if %in {
        %acc = memref.alloca() : memref<1xf32>
        memref.store %zero, %acc[%c0] : memref<1xf32>
        %n = arith.index_cast %row : index to i32
        %nf = arith.sitofp %n : i32 to f32
        %w = arith.addf %nf, %one : f32
        %partial = scf.for %k = %lane to %c40 step %c32 iter_args(%p = %zero) -> f32 {
          %xk = memref.load %x[%k] : memref<128xf32>
          %prod = arith.mulf %xk, %w : f32
          %next = arith.addf %p, %prod : f32
          scf.yield %next : f32
        }
        %sum = gpu.subgroup_reduce add %partial uniform : (f32) -> f32
        %before = memref.load %acc[%c0] : memref<1xf32>
        %after = arith.addf %before, %sum : f32
        memref.store %after, %acc[%c0] : memref<1xf32>
        %leader = arith.cmpi eq, %lane, %c0 : index
        scf.if %leader {
          %total = memref.load %acc[%c0] : memref<1xf32>
          memref.store %total, %out[%row] : memref<6xf32>
        }
      }
      gpu.return
    }

    // Two kernels merged into one (--llama4-gpu-merge-sibling-kernels):
    // under the guard against the sixth warp, warps 0-2 run the first
    // kernel's body (a warp's sum of x[0..31]) and warps 3-4 the second's
    // (the maximum of x[32..63]), each under a branch nested in the guard,
    // both around shuffles.
    gpu.func @merged_rows(%x: memref<128xf32>, %out: memref<6xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %c5 = arith.constant 5 : index
      %c32 = arith.constant 32 : index
      %block = gpu.block_id x
      %warp = gpu.thread_id y
      %lane = gpu.thread_id x
      %first = arith.muli %block, %c3 : index
      %row = arith.addi %first, %warp : index
      %leader = arith.cmpi eq, %lane, %c0 : index
      %in = arith.cmpi ult, %row, %c5 : index
      scf.if %in {
        %sums = arith.cmpi ult, %row, %c3 : index
        scf.if %sums {
          %v = memref.load %x[%lane] : memref<128xf32>
          %sum = gpu.subgroup_reduce add %v uniform : (f32) -> f32
          scf.if %leader {
            memref.store %sum, %out[%row] : memref<6xf32>
          }
        }
        %maxima = arith.cmpi uge, %row, %c3 : index
        scf.if %maxima {
          %k = arith.addi %lane, %c32 : index
          %v = memref.load %x[%k] : memref<128xf32>
          %max = gpu.subgroup_reduce maximumf %v uniform : (f32) -> f32
          scf.if %leader {
            memref.store %max, %out[%row] : memref<6xf32>
          }
        }
      }
      gpu.return
    }

    // Four one-warp blocks each store their 32 values of x, then take a
    // ticket (lane 0's atomic add between fences and barriers, broadcast
    // by a shuffle); the block holding the last ticket, whichever runs
    // last, sums the four blocks' values lane by lane
    // (--llama4-gpu-combine-in-last-split's shape).
    gpu.func @last_split(%x: memref<128xf32>, %state: memref<4x32xf32>,
                         %counter: memref<1xi32>, %out: memref<32xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c32 = arith.constant 32 : index
      %one = arith.constant 1 : i32
      %none = arith.constant 0 : i32
      %last = arith.constant 3 : i32
      %width = arith.constant 32 : i32
      %zero = arith.constant 0.0 : f32
      %split = gpu.block_id x
      %lane = gpu.thread_id x
      %base = arith.muli %split, %c32 : index
      %i = arith.addi %base, %lane : index
      %v = memref.load %x[%i] : memref<128xf32>
      memref.store %v, %state[%split, %lane] : memref<4x32xf32>
      gpu.barrier
      %first = arith.cmpi eq, %lane, %c0 : index
      %taken = scf.if %first -> (i32) {
        llvm.fence syncscope("device") acq_rel
        %t = memref.atomic_rmw addi %one, %counter[%c0] : (i32, memref<1xi32>) -> i32
        llvm.fence syncscope("device") acq_rel
        scf.yield %t : i32
      } else {
        scf.yield %none : i32
      }
      gpu.barrier
      %ticket, %valid = gpu.shuffle idx %taken, %none, %width : i32
      %is_last = arith.cmpi eq, %ticket, %last : i32
      scf.if %is_last {
        %sum = scf.for %s = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
          %part = memref.load %state[%s, %lane] : memref<4x32xf32>
          %next = arith.addf %acc, %part : f32
          scf.yield %next : f32
        }
        memref.store %sum, %out[%lane] : memref<32xf32>
      }
      gpu.return
    }

    // A subgroup reduction, lowered to shuffles before emulation.
    gpu.func @subgroup_max(%x: memref<128xf32>, %out: memref<4xf32>) kernel {
      %c32 = arith.constant 32 : index
      %thread = gpu.thread_id x
      %value = memref.load %x[%thread] : memref<128xf32>
      %max = gpu.subgroup_reduce maximumf %value : (f32) -> f32
      %warp = arith.divui %thread, %c32 : index
      memref.store %max, %out[%warp] : memref<4xf32>
      gpu.return
    }
  }

  func.func private @printMemrefF32(memref<*xf32>)
  func.func private @printMemrefI32(memref<*xi32>)

  func.func @main() {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %x = memref.alloc() : memref<128xf32>
    scf.for %i = %c0 to %c128 step %c1 {
      %n = arith.index_cast %i : index to i32
      %v = arith.sitofp %n : i32 to f32
      memref.store %v, %x[%i] : memref<128xf32>
    }
    %blocks = memref.alloc() : memref<2xf32>
    gpu.launch_func @kernels::@block_sum blocks in (%c2, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<128xf32>, %blocks : memref<2xf32>)
    %warps = memref.alloc() : memref<4xf32>
    gpu.launch_func @kernels::@warp_sum blocks in (%c2, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<128xf32>, %warps : memref<4xf32>)
    %shifted = memref.alloc() : memref<32xf32>
    %valid = memref.alloc() : memref<32xf32>
    gpu.launch_func @kernels::@shift_down blocks in (%c1, %c1, %c1)
        threads in (%c32, %c1, %c1) args(%shifted : memref<32xf32>, %valid : memref<32xf32>)
    %maxima = memref.alloc() : memref<4xf32>
    gpu.launch_func @kernels::@subgroup_max blocks in (%c1, %c1, %c1)
        threads in (%c128, %c1, %c1) args(%x : memref<128xf32>, %maxima : memref<4xf32>)
    %rows = memref.alloc() : memref<6xf32>
    %untouched = arith.constant -1.0 : f32
    %c6 = arith.constant 6 : index
    scf.for %i = %c0 to %c6 step %c1 {
      memref.store %untouched, %rows[%i] : memref<6xf32>
    }
    gpu.launch_func @kernels::@warp_rows blocks in (%c2, %c1, %c1)
        threads in (%c32, %c3, %c1) args(%x : memref<128xf32>, %rows : memref<6xf32>)

    // 0 + ... + 63 and 64 + ... + 127.
    // CHECK: [2016,  6112]
    %b = memref.cast %blocks : memref<2xf32> to memref<*xf32>
    call @printMemrefF32(%b) : (memref<*xf32>) -> ()
    // The four warps' sums of 32 values.
    // CHECK: [496,  1520,  2544,  3568]
    %w = memref.cast %warps : memref<4xf32> to memref<*xf32>
    call @printMemrefF32(%w) : (memref<*xf32>) -> ()
    // CHECK: [1,  2,  3,  4,  5,  6,  7,  8,  9,  10,  11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  29,  30,  31,  31]
    %s = memref.cast %shifted : memref<32xf32> to memref<*xf32>
    call @printMemrefF32(%s) : (memref<*xf32>) -> ()
    // CHECK: [1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0]
    %v = memref.cast %valid : memref<32xf32> to memref<*xf32>
    call @printMemrefF32(%v) : (memref<*xf32>) -> ()
    // CHECK: [31,  63,  95,  127]
    %m = memref.cast %maxima : memref<4xf32> to memref<*xf32>
    call @printMemrefF32(%m) : (memref<*xf32>) -> ()
    // (n + 1) (0 + ... + 39) for the five rows; the sixth warp's guard
    // kept it from writing.
    // CHECK: [780,  1560,  2340,  3120,  3900,  -1]
    %r = memref.cast %rows : memref<6xf32> to memref<*xf32>
    call @printMemrefF32(%r) : (memref<*xf32>) -> ()
    %merged = memref.alloc() : memref<6xf32>
    scf.for %i = %c0 to %c6 step %c1 {
      memref.store %untouched, %merged[%i] : memref<6xf32>
    }
    gpu.launch_func @kernels::@merged_rows blocks in (%c2, %c1, %c1)
        threads in (%c32, %c3, %c1) args(%x : memref<128xf32>, %merged : memref<6xf32>)
    // 0 + ... + 31 for the first kernel's three rows, 63 for the second's
    // two; the sixth warp's guard kept it from writing.
    // CHECK: [496,  496,  496,  63,  63,  -1]
    %mr = memref.cast %merged : memref<6xf32> to memref<*xf32>
    call @printMemrefF32(%mr) : (memref<*xf32>) -> ()
    %state = memref.alloc() : memref<4x32xf32>
    %counter = memref.alloc() : memref<1xi32>
    %none = arith.constant 0 : i32
    memref.store %none, %counter[%c0] : memref<1xi32>
    %combined = memref.alloc() : memref<32xf32>
    %c4 = arith.constant 4 : index
    gpu.launch_func @kernels::@last_split blocks in (%c4, %c1, %c1)
        threads in (%c32, %c1, %c1)
        args(%x : memref<128xf32>, %state : memref<4x32xf32>,
             %counter : memref<1xi32>, %combined : memref<32xf32>)
    // Lane l: l + (l + 32) + (l + 64) + (l + 96) = 4 l + 192.
    // CHECK: [192,  196,  200,  204,  208,  212,  216,  220,  224,  228,  232,  236,  240,  244,  248,  252,  256,  260,  264,  268,  272,  276,  280,  284,  288,  292,  296,  300,  304,  308,  312,  316]
    %cm = memref.cast %combined : memref<32xf32> to memref<*xf32>
    call @printMemrefF32(%cm) : (memref<*xf32>) -> ()
    // One ticket a block, lane 0's: the four blocks' arrivals.
    // CHECK: [4]
    %tickets = memref.cast %counter : memref<1xi32> to memref<*xi32>
    call @printMemrefI32(%tickets) : (memref<*xi32>) -> ()
    return
  }
}
