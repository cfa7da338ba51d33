// RUN: llama4-opt %s --llama4-gpu-unroll-private-loops --canonicalize | FileCheck %s

// A lane's accumulator, zeroed, rescaled at every key of a loop of
// run-time bounds and stored: its three 128-step loops unroll, so that
// every index into it is a constant; the key loop stays.
// CHECK-LABEL: func.func @accumulator
//       CHECK:   gpu.launch
//   CHECK-NOT:     scf.for
// CHECK-COUNT-128: memref.store %{{.*}}, %[[ACC:.*]][%{{.*}}] : memref<128xf32>
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c32
//   CHECK-NOT:       scf.for
// CHECK-COUNT-128:   arith.mulf
//   CHECK-NOT:     scf.for
// CHECK-COUNT-128: memref.load %[[ACC]]
//       CHECK:     gpu.terminator
func.func @accumulator(%keys: index, %scale: memref<?xf32>, %out: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %c1_k = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %zero = arith.constant 0.0 : f32
    %acc = memref.alloca() : memref<128xf32>
    scf.for %e = %c0 to %c128 step %c1_k {
      memref.store %zero, %acc[%e] : memref<128xf32>
    }
    scf.for %k = %tx to %keys step %c32 {
      %s = memref.load %scale[%k] : memref<?xf32>
      scf.for %e = %c0 to %c128 step %c1_k {
        %a = memref.load %acc[%e] : memref<128xf32>
        %r = arith.mulf %a, %s : f32
        memref.store %r, %acc[%e] : memref<128xf32>
      }
    }
    scf.for %e = %c0 to %c128 step %c1_k {
      %a = memref.load %acc[%e] : memref<128xf32>
      memref.store %a, %out[%e] : memref<128xf32>
    }
    gpu.terminator
  }
  return
}

// A buffer read at the lane's own element stays in local memory however
// its loops unroll: they stay rolled. So do the loops of a buffer larger
// than a thread's register share (256 floats), and of one whose elements
// take a math function each (128 sines, libdevice's slow path each).
// CHECK-LABEL: func.func @kept
//       CHECK:   gpu.launch
//       CHECK:     scf.for %{{.*}} = %c0 to %c128 step %c1
//       CHECK:       memref.store %{{.*}} : memref<128xf32>
//       CHECK:     memref.load %{{.*}}[%{{.*}}] : memref<128xf32>
//       CHECK:     scf.for %{{.*}} = %c0 to %c256 step %c1
//       CHECK:       memref.store %{{.*}} : memref<256xf32>
//       CHECK:     scf.for %{{.*}} = %c0 to %c128 step %c1
//       CHECK:       math.sin
//       CHECK:     gpu.terminator
func.func @kept(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %c1_k = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c128 = arith.constant 128 : index
    %c256 = arith.constant 256 : index
    %zero = arith.constant 0.0 : f32
    %row = memref.alloca() : memref<128xf32>
    scf.for %e = %c0 to %c128 step %c1_k {
      memref.store %zero, %row[%e] : memref<128xf32>
    }
    %mine = memref.load %row[%tx] : memref<128xf32>
    memref.store %mine, %out[%c0] : memref<4xf32>
    %wide = memref.alloca() : memref<256xf32>
    scf.for %e = %c0 to %c256 step %c1_k {
      memref.store %zero, %wide[%e] : memref<256xf32>
    }
    %w = memref.load %wide[%c0] : memref<256xf32>
    memref.store %w, %out[%c1_k] : memref<4xf32>
    %angles = memref.alloca() : memref<128xf32>
    scf.for %e = %c0 to %c128 step %c1_k {
      %i = arith.index_cast %e : index to i32
      %f = arith.sitofp %i : i32 to f32
      %s = math.sin %f : f32
      memref.store %s, %angles[%e] : memref<128xf32>
    }
    %a = memref.load %angles[%c0] : memref<128xf32>
    memref.store %a, %out[%c2] : memref<4xf32>
    gpu.terminator
  }
  return
}

// The lanes' sums of an accumulator (one shuffle each here): unrolled one
// iteration after another they would be 128 shuffles in turn; they run 32
// iterations at a time, a group's shuffles adjacent. The sums' buffer,
// read at the lane, is not counted against the registers.
// CHECK-LABEL: func.func @lane_sums
//       CHECK:   gpu.launch
//   CHECK-NOT:     scf.for
// CHECK-COUNT-32:  memref.load %[[ACC:.*]][%{{.*}}] : memref<128xf32>
//  CHECK-NEXT:     gpu.shuffle xor
// CHECK-COUNT-31:  gpu.shuffle xor
//  CHECK-NEXT:     arith.addf
// CHECK-COUNT-32:  memref.store
// CHECK-COUNT-32:  memref.load %[[ACC]]
//       CHECK:     gpu.terminator
func.func @lane_sums(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %c1_k = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %one = arith.constant 1 : i32
    %width = arith.constant 32 : i32
    %acc = memref.alloca() : memref<128xf32>
    %sums = memref.alloca() : memref<128xf32>
    scf.for %e = %c0 to %c128 step %c1_k {
      %a = memref.load %acc[%e] : memref<128xf32>
      %other, %valid = gpu.shuffle xor %a, %one, %width : f32
      %s = arith.addf %a, %other : f32
      memref.store %s, %sums[%e] : memref<128xf32>
    }
    %mine = memref.load %sums[%tx] : memref<128xf32>
    memref.store %mine, %out[%c0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// A query group's accumulators combined in place across lanes: the loop
// over a head's dims loads and stores each element where it shuffles it
// (no iteration reads another's), so its iterations run in steps, their
// shuffles adjacent; the loop over the heads around it, its shuffles all
// in that loop, unrolls whole, one head's steps after another's. Every
// index into the buffer is then a constant.
// CHECK-LABEL: func.func @group_sums_in_place
//       CHECK:   gpu.launch
//   CHECK-NOT:     scf.for
//       CHECK:     memref.load %[[ACC:.*]][%c0, %c0] : memref<2x3xf32>
//  CHECK-NEXT:     memref.load %[[ACC]][%c0, %c1]
//  CHECK-NEXT:     memref.load %[[ACC]][%c0, %c2]
//  CHECK-NEXT:     gpu.shuffle xor
//  CHECK-NEXT:     gpu.shuffle xor
//  CHECK-NEXT:     gpu.shuffle xor
// CHECK-COUNT-3:   memref.store %{{.*}}, %[[ACC]][%c0, %c{{[0-2]}}]
//       CHECK:     memref.load %[[ACC]][%c1, %c0]
// CHECK-COUNT-3:   gpu.shuffle xor
// CHECK-COUNT-3:   memref.store %{{.*}}, %[[ACC]][%c1, %c{{[0-2]}}]
//       CHECK:     gpu.terminator
func.func @group_sums_in_place(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %c1_k = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %eight = arith.constant 8 : i32
    %width = arith.constant 32 : i32
    %acc = memref.alloca() : memref<2x3xf32>
    scf.for %g = %c0 to %c2 step %c1_k {
      scf.for %e = %c0 to %c3 step %c1_k {
        %a = memref.load %acc[%g, %e] : memref<2x3xf32>
        %other, %valid = gpu.shuffle xor %a, %eight, %width : f32
        %s = arith.addf %a, %other : f32
        memref.store %s, %acc[%g, %e] : memref<2x3xf32>
      }
    }
    %mine = memref.load %acc[%c1_k, %c2] : memref<2x3xf32>
    memref.store %mine, %out[%c0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// A buffer allocated under the launch's bounds guard moves to the start of
// the launch body, the kernel's entry block (LLVM promotes only its
// allocas); a buffer of run-time size stays where it is.
// CHECK-LABEL: func.func @guarded_buffer
//       CHECK:   gpu.launch
//  CHECK-NEXT:     %[[CHOICE:.*]] = memref.alloca() : memref<1xindex>
//       CHECK:     scf.if
//       CHECK:       memref.alloca(%{{.*}}) : memref<?xf32>
//       CHECK:       memref.store %{{.*}}, %[[CHOICE]][%{{.*}}] : memref<1xindex>
func.func @guarded_buffer(%n: index, %size: index, %out: memref<?xindex>, %sums: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %inside = arith.cmpi ult, %tx, %n : index
    scf.if %inside {
      %choice = memref.alloca() : memref<1xindex>
      %scratch = memref.alloca(%size) : memref<?xf32>
      memref.store %tx, %choice[%c0] : memref<1xindex>
      %e = memref.load %choice[%c0] : memref<1xindex>
      memref.store %e, %out[%tx] : memref<?xindex>
      %zero = arith.constant 0.0 : f32
      memref.store %zero, %scratch[%c0] : memref<?xf32>
      %kept = memref.load %scratch[%c0] : memref<?xf32>
      memref.store %kept, %sums[%c0] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
