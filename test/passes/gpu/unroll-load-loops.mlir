// RUN: llama4-opt %s --llama4-gpu-unroll-load-loops --canonicalize | FileCheck %s

// Inside a kernel: q . k's 16 vector loads along a head's row unroll
// completely, in flight together; 20 loads of a column unroll by 4 (the
// largest power of two up to 8 dividing 20); a tile's loop of one
// iteration is inlined, and the loop around it, now innermost, unrolls;
// two 16-byte loads a step unroll by 8 (256 bytes in flight); the loop
// around a completely unrolled one stays rolled; a loop over the thread's
// own buffer stays rolled; host loops stay.
// CHECK-LABEL: func.func @loops
//       CHECK:   gpu.launch
//   CHECK-NOT:     scf.for
// CHECK-COUNT-16:  vector.load %{{.*}} : memref<128xbf16>, vector<8xbf16>
//   CHECK-NOT:     vector.load
//       CHECK:     vector.reduction
//       CHECK:     scf.for %[[I:.*]] = %c0 to %c20 step %c4
// CHECK-COUNT-4:     memref.load %{{.*}} : memref<80x8xf32>
//       CHECK:       scf.yield
//   CHECK-NOT:     scf.for
// CHECK-COUNT-16:  memref.store %{{.*}}, %{{.*}} : memref<16xf32>
//       CHECK:     scf.for %{{.*}} = %c0 to %c128 step %c64
// CHECK-COUNT-16:    vector.load
//   CHECK-NOT:       vector.load
//       CHECK:       scf.yield
//       CHECK:     scf.for %[[R:.*]] = %c0 to %c4 step %c1
// CHECK-COUNT-4:     memref.load %{{.*}}[%[[R]], %{{.*}}] : memref<80x8xf32>
//       CHECK:       memref.store
//       CHECK:     scf.for %{{.*}} = %c0 to %c16 step %c1
//       CHECK:       memref.load %{{.*}} : memref<16xf32>
//       CHECK:     gpu.terminator
//       CHECK:   scf.for
func.func @loops(%w: memref<128xbf16>, %w2: memref<128xbf16>,
                 %x: memref<80x8xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0_k = arith.constant 0 : index
    %c1_k = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %c20 = arith.constant 20 : index
    %c128 = arith.constant 128 : index
    %zero = arith.constant dense<0.0> : vector<8xf32>
    %z = arith.constant 0.0 : f32
    // 16 vector loads along a row.
    %dot = scf.for %d = %c0_k to %c128 step %c8 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %v = vector.load %w[%d] : memref<128xbf16>, vector<8xbf16>
      %f = arith.extf %v : vector<8xbf16> to vector<8xf32>
      %s = arith.addf %acc, %f : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %r = vector.reduction <add>, %dot : vector<8xf32> into f32
    memref.store %r, %out[%c0_k] : memref<4xf32>
    // 20 loads: by 4.
    %sum = scf.for %i = %c0_k to %c20 step %c1_k iter_args(%acc = %z) -> (f32) {
      %e = memref.load %x[%i, %c0_k] : memref<80x8xf32>
      %s = arith.addf %acc, %e : f32
      scf.yield %s : f32
    }
    memref.store %sum, %out[%c1_k] : memref<4xf32>
    // A one-iteration loop inlined: its parent is innermost then.
    %private = memref.alloca() : memref<16xf32>
    scf.for %j = %c0_k to %c16 step %c1_k {
      scf.for %t = %c0_k to %c1_k step %c1_k {
        %e = memref.load %x[%j, %t] : memref<80x8xf32>
        memref.store %e, %private[%j] : memref<16xf32>
      }
    }
    // Two loads a step: by 8.
    %qk = scf.for %d = %c0_k to %c128 step %c8 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %a = vector.load %w[%d] : memref<128xbf16>, vector<8xbf16>
      %b = vector.load %w2[%d] : memref<128xbf16>, vector<8xbf16>
      %fa = arith.extf %a : vector<8xbf16> to vector<8xf32>
      %fb = arith.extf %b : vector<8xbf16> to vector<8xf32>
      %p = arith.mulf %fa, %fb : vector<8xf32>
      %s = arith.addf %acc, %p : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %qk_sum = vector.reduction <add>, %qk : vector<8xf32> into f32
    memref.store %qk_sum, %out[%c0_k] : memref<4xf32>
    // Around a loop unrolled completely: stays rolled.
    %c4_k = arith.constant 4 : index
    scf.for %row_i = %c0_k to %c4_k step %c1_k {
      %row = scf.for %j = %c0_k to %c4_k step %c1_k iter_args(%acc = %z) -> (f32) {
        %e = memref.load %x[%row_i, %j] : memref<80x8xf32>
        %s = arith.addf %acc, %e : f32
        scf.yield %s : f32
      }
      memref.store %row, %out[%row_i] : memref<4xf32>
    }
    // The thread's own buffer only: stays rolled.
    %own = scf.for %j = %c0_k to %c16 step %c1_k iter_args(%acc = %z) -> (f32) {
      %e = memref.load %private[%j] : memref<16xf32>
      %s = arith.addf %acc, %e : f32
      scf.yield %s : f32
    }
    memref.store %own, %out[%c8] : memref<4xf32>
    gpu.terminator
  }
  // Host loops stay.
  %c2 = arith.constant 2 : index
  scf.for %i = %c0 to %c2 step %c1 {
    %e = memref.load %x[%i, %c0] : memref<80x8xf32>
    memref.store %e, %out[%c0] : memref<4xf32>
  }
  return
}

// A warp splitting a row of 5120 bf16, 256 a step, lane l from 8 l on:
// every lane runs 20 iterations (its first element, 0 to 248 in a launch
// of 32 lanes, is closer to the next lane's than a step), so the loop
// counts from 0 to 20, its index recomputed from the lane's first
// element, and unrolls by 4. Lanes 0 to 63 of a launch of 64 threads run
// 20 or 19 iterations: that loop stays as it is.
// CHECK-LABEL: func.func @lane_rows
//       CHECK:   gpu.launch
//       CHECK:     %[[FIRST:.*]] = arith.muli %{{.*}}, %c8
//       CHECK:     scf.for %[[I:.*]] = %c0 to %c20 step %c4
//       CHECK:       %[[K:.*]] = affine.apply #{{.*}}(%[[I]])[%[[FIRST]]]
//       CHECK:       vector.load %{{.*}}[%[[K]]]
// CHECK-COUNT-3:     vector.load
//       CHECK:       scf.yield
//       CHECK:   gpu.launch
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %c5120 step %c256
// CHECK-COUNT-1:     vector.load
//   CHECK-NOT:       vector.load
//       CHECK:       scf.yield
func.func @lane_rows(%row: memref<5120xbf16>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %c8 = arith.constant 8 : index
    %c256 = arith.constant 256 : index
    %c5120 = arith.constant 5120 : index
    %zero = arith.constant dense<0.0> : vector<8xf32>
    %first = arith.muli %tx, %c8 : index
    %sums = scf.for %k = %first to %c5120 step %c256 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %v = vector.load %row[%k] : memref<5120xbf16>, vector<8xbf16>
      %f = arith.extf %v : vector<8xbf16> to vector<8xf32>
      %s = arith.addf %acc, %f : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %r = vector.reduction <add>, %sums : vector<8xf32> into f32
    memref.store %r, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %c8 = arith.constant 8 : index
    %c256 = arith.constant 256 : index
    %c5120 = arith.constant 5120 : index
    %zero = arith.constant dense<0.0> : vector<8xf32>
    %first = arith.muli %tx, %c8 : index
    %sums = scf.for %k = %first to %c5120 step %c256 iter_args(%acc = %zero) -> (vector<8xf32>) {
      %v = vector.load %row[%k] : memref<5120xbf16>, vector<8xbf16>
      %f = arith.extf %v : vector<8xbf16> to vector<8xf32>
      %s = arith.addf %acc, %f : vector<8xf32>
      scf.yield %s : vector<8xf32>
    }
    %r = vector.reduction <add>, %sums : vector<8xf32> into f32
    memref.store %r, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}
