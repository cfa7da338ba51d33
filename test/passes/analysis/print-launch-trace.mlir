// RUN: llama4-opt %s --llama4-print-launch-trace="entry=host size=128" -o /dev/null | FileCheck %s
// RUN: llama4-opt %s --llama4-print-launch-trace="entry=causal_host size=128 positions=0" -o /dev/null | FileCheck %s --check-prefix=KNOWN
// RUN: llama4-opt %s --llama4-print-launch-trace="entry=causal_host size=128" -o /dev/null | FileCheck %s --check-prefix=UNKNOWN
// RUN: llama4-opt %s --llama4-print-launch-trace="entry=causal_host size=4096 positions=0" -o /dev/null | FileCheck %s --check-prefix=LONG

// Every dynamic dimension is 128: four warps of 32 lanes per launch.
// Load rounds, the loads one warp waits for in turn: an iteration of a
// loop that loads is one, and so are the loads outside loops; the busiest
// warp's count, summed over launches.
// Reads from HBM: a buffer that fits in L2 at most its span once a launch
// (the vector v that every warp of a product reads: 256 bytes, not 256
// per warp).
//
// scale_kernel, launched once and then twice by a host loop: each warp
// reads and writes 32 consecutive floats, 4 sectors (128 bytes) each way,
// a clock of L1 each.
// CHECK: scale_kernel: 3 launches, 384 threads, 1536 bytes read (1536 from HBM), 1536 written (1536 to HBM), 3072 L1, 384 flops, 3 load rounds
//
// row_dot_kernel: each lane walks its own 64-float row of W (256 bytes
// apart), so a warp instruction touches 32 sectors of W (L1: 64 steps x
// (1024 bytes + a clock, 128, for v's one sector), plus 128 for the
// store, per warp), but along k consecutive steps share sectors: global
// reads are W once (32 KiB) and v once per warp (4 x 256 bytes). Two
// FLOPs per step and lane; 64 rounds of loads, a step each.
// CHECK: row_dot_kernel: 1 launches, 128 threads, 33792 bytes read (33024 from HBM), 512 written (512 to HBM), 295424 L1, 16384 flops, 64 load rounds
//
// chosen_row_dot_kernel: row_dot_kernel with each step's W under a branch
// that data decide and a quarter of the iterations take (the mark
// llama4.taken_share, as a routed expert's rows sharing a choice have):
// W's sectors, fetched once in the window as before, count a quarter
// (8 KiB), its L1 and FLOPs too; v, outside the branch, is read whole.
// CHECK: chosen_row_dot_kernel: 1 launches, 128 threads, 9216 bytes read (8448 from HBM), 512 written (512 to HBM), 98816 L1, 4096 flops, 64 load rounds
//
// unrolled_row_dot_kernel: the same loop unrolled by two (k and k + 1 a
// step): the two loads of W share their sectors, fetched once, so the
// bytes are row_dot_kernel's; 32 rounds, a step each.
// CHECK: unrolled_row_dot_kernel: 1 launches, 128 threads, 33792 bytes read (33024 from HBM), 512 written (512 to HBM), 295424 L1, 16384 flops, 32 load rounds
//
// warp_dot_kernel: the same product a warp per row (thread y the warp, 2
// to a block of 32 x 2), lane l taking k = l and l + 32: each load
// instruction reads 4 whole sectors (128 bytes), so L1 is 2 steps x
// (128 + 128) plus a clock for lane 0's store per warp, 3.6x less than a
// lane per row. Each of the 128 warps reads v whole (8 sectors) beside
// its row, from L2 but for the first: HBM gives W and v once. Lane 0's
// store writes a sector of its own per warp (4 KiB), parts of the
// output's 16 sectors that L2 merges: 512 bytes reach HBM. FLOPs: 2
// steps of mulf and addf, then the 5 additions of the butterfly, per
// lane.
// CHECK: warp_dot_kernel: 1 launches, 4096 threads, 65536 bytes read (33024 from HBM), 4096 written (512 to HBM), 81920 L1, 36864 flops, 2 load rounds
//
// vector_dot_kernel: a warp per 256-long bf16 row, lane l loading 8
// elements of W (16 bytes) and of v (32 bytes) from k = 8 l: one step, W's
// row 16 sectors, v 32, the store one (a clock, 128 bytes), per warp of
// 128. FLOPs per lane: 8 mulf and 8 addf on vectors, 7 to sum the vector,
// 5 in the butterfly.
// CHECK: vector_dot_kernel: 1 launches, 4096 threads, 196608 bytes read (66560 from HBM), 4096 written (512 to HBM), 212992 L1, 114688 flops, 1 load rounds
//
// unfolded_kernel: scale_kernel with the index unfolded into (row,
// column) of 32 and folded back (a merged kernel's part): the trace
// follows affine.delinearize_index, so each warp reads and writes 4
// sectors as scale_kernel's do (unfolded to unknowns, every lane would
// read element 0, a sector).
// CHECK: unfolded_kernel: 1 launches, 128 threads, 512 bytes read (512 from HBM), 512 written
//
// guarded_kernel: 100 elements on two blocks of 64 threads; the bounds
// guard leaves warps 0-2 whole (4 sectors each way) and 4 lanes of warp 3
// (1 sector, but a clock of L1): 13 sectors read and written.
// CHECK: guarded_kernel: 1 launches, 128 threads, 416 bytes read (416 from HBM), 416 written (416 to HBM), 1024 L1, 100 flops, 1 load rounds
//
// siblings_kernel: two merged kernels' warps and an idle one, as
// --llama4-gpu-merge-sibling-kernels leaves them: warp 0 copies 32 floats
// (4 sectors each way), warps 1-2 store 32 zeros each (4 sectors
// written), warp 3 does nothing. Each run of warps is costed by its own:
// 128 bytes read, 384 written.
// CHECK: siblings_kernel: 1 launches, 128 threads, 128 bytes read (128 from HBM), 384 written (384 to HBM)
//
// last_split_kernel: 4 one-warp blocks each store their 32 floats (4
// sectors) and take a ticket (lane 0's atomic add: a sector read and
// written); the branch only the last of the 4 takes (llama4.taken_share)
// reads and writes 32 floats, charged a quarter a warp: x's 4 sectors and
// y's 4 once in all (HBM: x's 128 bytes and the 4 counters' 16, once a
// launch). Its load, in a loop, is a round of its own, whole (the last
// warp waits for it): 2 rounds, the ticket's and the branch's.
// CHECK: last_split_kernel: 1 launches, 128 threads, 256 bytes read (144 from HBM), 768 written (528 to HBM), {{.*}} 2 load rounds
//
// chained_kernel: two kernels chained by --llama4-gpu-chain-launches,
// each block taking a ticket (marked llama4.block_ticket: the trace takes
// the block's index) and, past the first phase, waiting (the scf.while
// marked llama4.phase_wait, not run). Each phase is costed as a kernel of
// its own, the second named by its index and charged a wait, not a
// launch: blocks 0-1 double x into y (4 warps, 4 sectors each way), block
// 2 copies 64 floats of y back (2 warps); thread 0 of each block adds to
// the ticket counter (a sector read and written, from HBM at most the
// global's 8 bytes a phase).
// CHECK: chained_kernel: 1 launches, 128 threads, 576 bytes read (520 from HBM), 576 written (520 to HBM), 1536 L1, 128 flops, 1 load rounds
// CHECK: chained_kernel/1: 0 launches, 1 waits, 64 threads, 288 bytes read (264 from HBM), 288 written (264 to HBM), 768 L1, 0 flops, 1 load rounds
//
// causal_kernel: thread i sums x[0..p] for its position p = positions[i],
// as attention's key loop is bounded. With the positions known (0..127)
// warp w runs 32 (w + 1) iterations, reading a sector of x per 8: 4 (w +
// 1) sectors, each warp sampled since each costs differently, and its 4
// sectors of positions (1792 bytes in all); unknown, every load reads 0
// and each thread one iteration. Rounds: the position, then the last
// warp's 128 iterations (known) or one (unknown).
// KNOWN: causal_kernel: 1 launches, 128 threads, 1792 bytes read (1024 from HBM), 512 written (512 to HBM), {{.*}} 129 load rounds
// UNKNOWN: causal_kernel: 1 launches, 128 threads, 640 bytes read (640 from HBM), 512 written (512 to HBM), {{.*}} 2 load rounds
// With 4096 positions, 128 warps each cost differently: past 64 sampled
// warps, a range still split costs its ends', half its warps each, which
// for costs growing by the warp, as here, is their sum: 128 (w + 1)
// bytes of x a warp and 128 of positions, 1073152 in all.
// LONG: causal_kernel: 1 launches, 4096 threads, 1073152 bytes read (32768 from HBM), 16384 written (16384 to HBM), {{.*}} 4097 load rounds
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale_kernel(%x: memref<?xf32>, %y: memref<?xf32>) kernel {
      %block = gpu.block_id x
      %threads = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %threads : index
      %i = arith.addi %base, %thread : index
      %v = memref.load %x[%i] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %y[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @unfolded_kernel(%x: memref<?xf32>, %y: memref<?xf32>, %rows: index) kernel {
      %c32 = arith.constant 32 : index
      %block = gpu.block_id x
      %threads = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %threads : index
      %i = arith.addi %base, %thread : index
      %rc:2 = affine.delinearize_index %i into (%rows, 32) : index, index
      %row = arith.muli %rc#0, %c32 : index
      %j = arith.addi %row, %rc#1 : index
      %v = memref.load %x[%j] : memref<?xf32>
      memref.store %v, %y[%j] : memref<?xf32>
      gpu.return
    }
    gpu.func @guarded_kernel(%x: memref<?xf32>, %n: index) kernel {
      %block = gpu.block_id x
      %threads = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %threads : index
      %i = arith.addi %base, %thread : index
      %inside = arith.cmpi ult, %i, %n : index
      scf.if %inside {
        %v = memref.load %x[%i] : memref<?xf32>
        %w = arith.mulf %v, %v : f32
        memref.store %w, %x[%i] : memref<?xf32>
      }
      gpu.return
    }
    gpu.func @siblings_kernel(%x: memref<?xf32>, %y: memref<?xf32>) kernel {
      %c32 = arith.constant 32 : index
      %c96 = arith.constant 96 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %threads = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %threads : index
      %i = arith.addi %base, %thread : index
      %copies = arith.cmpi ult, %i, %c32 : index
      scf.if %copies {
        %v = memref.load %x[%i] : memref<?xf32>
        memref.store %v, %y[%i] : memref<?xf32>
      }
      %past = arith.cmpi uge, %i, %c32 : index
      %before = arith.cmpi ult, %i, %c96 : index
      %clears = arith.andi %past, %before : i1
      scf.if %clears {
        memref.store %zero, %y[%i] : memref<?xf32>
      }
      gpu.return
    }
    gpu.func @last_split_kernel(%x: memref<?xf32>, %y: memref<?xf32>,
                                %counters: memref<?xi32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %one = arith.constant 1 : i32
      %none = arith.constant 0 : i32
      %last = arith.constant 3 : i32
      %width = arith.constant 32 : i32
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %lane = gpu.thread_id x
      %base = arith.muli %block, %c32 : index
      %i = arith.addi %base, %lane : index
      memref.store %zero, %y[%i] : memref<?xf32>
      gpu.barrier
      %first = arith.cmpi eq, %lane, %c0 : index
      %taken = scf.if %first -> (i32) {
        %t = memref.atomic_rmw addi %one, %counters[%c0] : (i32, memref<?xi32>) -> i32
        scf.yield %t : i32
      } else {
        scf.yield %none : i32
      }
      gpu.barrier
      %ticket, %valid = gpu.shuffle idx %taken, %none, %width : i32
      %is_last = arith.cmpi eq, %ticket, %last : i32
      scf.if %is_last {
        scf.for %j = %c0 to %c1 step %c1 {
          %v = memref.load %x[%lane] : memref<?xf32>
          memref.store %v, %y[%lane] : memref<?xf32>
        }
      } {llama4.taken_share = 2.500000e-01 : f64}
      gpu.return
    }
    gpu.func @causal_kernel(%pos: memref<?xi32>, %x: memref<?xf32>,
                            %y: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %threads = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %threads : index
      %i = arith.addi %base, %thread : index
      %p = memref.load %pos[%i] : memref<?xi32>
      %last = arith.index_cast %p : i32 to index
      %end = arith.addi %last, %c1 : index
      %sum = scf.for %j = %c0 to %end step %c1 iter_args(%acc = %zero) -> f32 {
        %a = memref.load %x[%j] : memref<?xf32>
        %s = arith.addf %acc, %a : f32
        scf.yield %s : f32
      }
      memref.store %sum, %y[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @warp_dot_kernel(%w: memref<?x64xf32>, %v: memref<64xf32>,
                              %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c2 = arith.constant 2 : index
      %c32 = arith.constant 32 : index
      %c64 = arith.constant 64 : index
      %width = arith.constant 32 : i32
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %lane = gpu.thread_id x
      %warp = gpu.thread_id y
      %first = arith.muli %block, %c2 : index
      %row = arith.addi %first, %warp : index
      %partial = scf.for %k = %lane to %c64 step %c32 iter_args(%acc = %zero) -> f32 {
        %a = memref.load %w[%row, %k] : memref<?x64xf32>
        %b = memref.load %v[%k] : memref<64xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      %m1 = arith.constant 1 : i32
      %m2 = arith.constant 2 : i32
      %m4 = arith.constant 4 : i32
      %m8 = arith.constant 8 : i32
      %m16 = arith.constant 16 : i32
      %o1, %v1 = gpu.shuffle xor %partial, %m1, %width : f32
      %s1 = arith.addf %partial, %o1 : f32
      %o2, %v2 = gpu.shuffle xor %s1, %m2, %width : f32
      %s2 = arith.addf %s1, %o2 : f32
      %o4, %v4 = gpu.shuffle xor %s2, %m4, %width : f32
      %s4 = arith.addf %s2, %o4 : f32
      %o8, %v8 = gpu.shuffle xor %s4, %m8, %width : f32
      %s8 = arith.addf %s4, %o8 : f32
      %o16, %v16 = gpu.shuffle xor %s8, %m16, %width : f32
      %sum = arith.addf %s8, %o16 : f32
      %leader = arith.cmpi eq, %lane, %c0 : index
      scf.if %leader {
        memref.store %sum, %out[%row] : memref<?xf32>
      }
      gpu.return
    }
    gpu.func @vector_dot_kernel(%w: memref<?x256xbf16>, %v: memref<256xf32>,
                                %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %c256 = arith.constant 256 : index
      %width = arith.constant 32 : i32
      %zeros = arith.constant dense<0.0> : vector<8xf32>
      %block = gpu.block_id x
      %lane = gpu.thread_id x
      %warp = gpu.thread_id y
      %first = arith.muli %block, %c2 : index
      %row = arith.addi %first, %warp : index
      %k0 = arith.muli %lane, %c8 : index
      %sums = scf.for %k = %k0 to %c256 step %c256 iter_args(%acc = %zeros) -> vector<8xf32> {
        %a = vector.load %w[%row, %k] {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
        %b = vector.load %v[%k] {alignment = 16 : i64} : memref<256xf32>, vector<8xf32>
        %a32 = arith.extf %a : vector<8xbf16> to vector<8xf32>
        %p = arith.mulf %a32, %b : vector<8xf32>
        %s = arith.addf %acc, %p : vector<8xf32>
        scf.yield %s : vector<8xf32>
      }
      %partial = vector.reduction <add>, %sums : vector<8xf32> into f32
      %m1 = arith.constant 1 : i32
      %m2 = arith.constant 2 : i32
      %m4 = arith.constant 4 : i32
      %m8 = arith.constant 8 : i32
      %m16 = arith.constant 16 : i32
      %o1, %v1 = gpu.shuffle xor %partial, %m1, %width : f32
      %s1 = arith.addf %partial, %o1 : f32
      %o2, %v2 = gpu.shuffle xor %s1, %m2, %width : f32
      %s2 = arith.addf %s1, %o2 : f32
      %o4, %v4 = gpu.shuffle xor %s2, %m4, %width : f32
      %s4 = arith.addf %s2, %o4 : f32
      %o8, %v8 = gpu.shuffle xor %s4, %m8, %width : f32
      %s8 = arith.addf %s4, %o8 : f32
      %o16, %v16 = gpu.shuffle xor %s8, %m16, %width : f32
      %sum = arith.addf %s8, %o16 : f32
      %leader = arith.cmpi eq, %lane, %c0 : index
      scf.if %leader {
        memref.store %sum, %out[%row] : memref<?xf32>
      }
      gpu.return
    }
    gpu.func @row_dot_kernel(%w: memref<?x64xf32>, %v: memref<64xf32>,
                             %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %c64 : index
      %i = arith.addi %base, %thread : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> f32 {
        %a = memref.load %w[%i, %k] : memref<?x64xf32>
        %b = memref.load %v[%k] : memref<64xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      memref.store %sum, %out[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @chosen_row_dot_kernel(%w: memref<?x64xf32>, %v: memref<64xf32>,
                                    %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %c64 : index
      %i = arith.addi %base, %thread : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> f32 {
        %b = memref.load %v[%k] : memref<64xf32>
        %chosen = arith.cmpf ogt, %b, %zero : f32
        %s = scf.if %chosen -> f32 {
          %a = memref.load %w[%i, %k] : memref<?x64xf32>
          %p = arith.mulf %a, %b : f32
          %t = arith.addf %acc, %p : f32
          scf.yield %t : f32
        } else {
          scf.yield %acc : f32
        } {llama4.taken_share = 2.500000e-01 : f64}
        scf.yield %s : f32
      }
      memref.store %sum, %out[%i] : memref<?xf32>
      gpu.return
    }
    gpu.func @unrolled_row_dot_kernel(%w: memref<?x64xf32>, %v: memref<64xf32>,
                                      %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %c64 : index
      %i = arith.addi %base, %thread : index
      %sum = scf.for %k = %c0 to %c64 step %c2 iter_args(%acc = %zero) -> f32 {
        %a = memref.load %w[%i, %k] : memref<?x64xf32>
        %b = memref.load %v[%k] : memref<64xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        %k1 = arith.addi %k, %c1 : index
        %a1 = memref.load %w[%i, %k1] : memref<?x64xf32>
        %b1 = memref.load %v[%k1] : memref<64xf32>
        %p1 = arith.mulf %a1, %b1 : f32
        %s1 = arith.addf %s, %p1 : f32
        scf.yield %s1 : f32
      }
      memref.store %sum, %out[%i] : memref<?xf32>
      gpu.return
    }
    memref.global "private" @chained_tickets : memref<2xi32> = dense<0>
    gpu.func @chained_kernel(%x: memref<?xf32>, %y: memref<?xf32>,
                             %first: index, %total: index)
        workgroup(%slot : memref<1xi32, #gpu.address_space<workgroup>>)
        kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %thread = gpu.thread_id x
      %is_first = arith.cmpi eq, %thread, %c0 : index
      %tickets = memref.get_global @chained_tickets : memref<2xi32>
      scf.if %is_first {
        %one = arith.constant 1 : i32
        %t = memref.atomic_rmw addi %one, %tickets[%c0] : (i32, memref<2xi32>) -> i32
        memref.store %t, %slot[%c0] : memref<1xi32, #gpu.address_space<workgroup>>
      }
      gpu.barrier
      %t32 = memref.load %slot[%c0] {llama4.block_ticket}
          : memref<1xi32, #gpu.address_space<workgroup>>
      %ticket = arith.index_castui %t32 : i32 to index
      %later = arith.cmpi uge, %ticket, %first : index
      %waits = arith.andi %is_first, %later : i1
      scf.if %waits {
        %awaited = arith.index_castui %first : index to i32
        scf.while : () -> () {
          %zero = arith.constant 0 : i32
          %done = memref.atomic_rmw addi %zero, %tickets[%c1] : (i32, memref<2xi32>) -> i32
          %early = arith.cmpi ult, %done, %awaited : i32
          scf.condition(%early)
        } do {
          scf.yield
        } attributes {llama4.phase_wait}
      }
      gpu.barrier
      %in_first = arith.cmpi ult, %ticket, %first : index
      scf.if %in_first {
        %base = arith.muli %ticket, %c64 : index
        %i = arith.addi %base, %thread : index
        %v = memref.load %x[%i] : memref<?xf32>
        %w = arith.addf %v, %v : f32
        memref.store %w, %y[%i] : memref<?xf32>
      } {llama4.phase = 0 : i64}
      %before_end = arith.cmpi ult, %ticket, %total : index
      %in_second = arith.andi %later, %before_end : i1
      scf.if %in_second {
        %block = arith.subi %ticket, %first : index
        %base = arith.muli %block, %c64 : index
        %i = arith.addi %base, %thread : index
        %v = memref.load %y[%i] : memref<?xf32>
        memref.store %v, %x[%i] : memref<?xf32>
      } {llama4.phase = 1 : i64}
      gpu.return
    }
  }
  func.func @host(%x: memref<?xf32>, %y: memref<?xf32>, %w: memref<?x64xf32>,
                  %v: memref<64xf32>, %wh: memref<?x256xbf16>,
                  %vh: memref<256xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c64 = arith.constant 64 : index
    %n = memref.dim %x, %c0 : memref<?xf32>
    %blocks = arith.divui %n, %c64 : index
    gpu.launch_func @kernels::@scale_kernel blocks in (%blocks, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<?xf32>, %y : memref<?xf32>)
    %rows = memref.dim %w, %c0 : memref<?x64xf32>
    %out = memref.alloc(%rows) : memref<?xf32>
    %row_blocks = arith.divui %rows, %c64 : index
    gpu.launch_func @kernels::@row_dot_kernel blocks in (%row_blocks, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%w : memref<?x64xf32>, %v : memref<64xf32>, %out : memref<?xf32>)
    gpu.launch_func @kernels::@chosen_row_dot_kernel blocks in (%row_blocks, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%w : memref<?x64xf32>, %v : memref<64xf32>, %out : memref<?xf32>)
    gpu.launch_func @kernels::@unrolled_row_dot_kernel blocks in (%row_blocks, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%w : memref<?x64xf32>, %v : memref<64xf32>, %out : memref<?xf32>)
    %c32 = arith.constant 32 : index
    %warp_blocks = arith.divui %rows, %c2 : index
    gpu.launch_func @kernels::@warp_dot_kernel blocks in (%warp_blocks, %c1, %c1)
        threads in (%c32, %c2, %c1)
        args(%w : memref<?x64xf32>, %v : memref<64xf32>, %out : memref<?xf32>)
    gpu.launch_func @kernels::@vector_dot_kernel blocks in (%warp_blocks, %c1, %c1)
        threads in (%c32, %c2, %c1)
        args(%wh : memref<?x256xbf16>, %vh : memref<256xf32>, %out : memref<?xf32>)
    scf.for %again = %c0 to %c2 step %c1 {
      gpu.launch_func @kernels::@scale_kernel blocks in (%blocks, %c1, %c1)
          threads in (%c64, %c1, %c1) args(%y : memref<?xf32>, %x : memref<?xf32>)
    }
    %c4 = arith.constant 4 : index
    gpu.launch_func @kernels::@unfolded_kernel blocks in (%c2, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%x : memref<?xf32>, %y : memref<?xf32>, %c4 : index)
    %c100 = arith.constant 100 : index
    gpu.launch_func @kernels::@guarded_kernel blocks in (%c2, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<?xf32>, %c100 : index)
    gpu.launch_func @kernels::@siblings_kernel blocks in (%c2, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%x : memref<?xf32>, %y : memref<?xf32>)
    %counters = memref.alloc(%c4) : memref<?xi32>
    gpu.launch_func @kernels::@last_split_kernel blocks in (%c4, %c1, %c1)
        threads in (%c32, %c1, %c1)
        args(%x : memref<?xf32>, %y : memref<?xf32>, %counters : memref<?xi32>)
    memref.dealloc %counters : memref<?xi32>
    %c3 = arith.constant 3 : index
    gpu.launch_func @kernels::@chained_kernel blocks in (%c3, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%x : memref<?xf32>, %y : memref<?xf32>, %c2 : index, %c3 : index)
    memref.dealloc %out : memref<?xf32>
    return
  }
  func.func @causal_host(%pos: memref<?xi32>, %x: memref<?xf32>,
                         %y: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %n = memref.dim %pos, %c0 : memref<?xi32>
    %blocks = arith.divui %n, %c64 : index
    gpu.launch_func @kernels::@causal_kernel blocks in (%blocks, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%pos : memref<?xi32>, %x : memref<?xf32>, %y : memref<?xf32>)
    return
  }
}
