// RUN: llama4-opt %s --split-input-file --llama4-inline-static-schedule --cse | FileCheck %s

// A loop on threads as --llama4-distribute-loops writes it: thread t of n
// takes rows [rows * t / n, rows * (t + 1) / n), an scf.for in the region,
// libomp's worksharing entry gone; the region's `if` stays.
// CHECK-LABEL: func.func private @omp_get_num_threads() -> i32
// CHECK-LABEL: func.func private @omp_get_thread_num() -> i32
// CHECK-LABEL: func.func @rows
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: memref<?x640xf32>, %[[ROWS:[a-z0-9]+]]: index, %[[TEAM:[a-z0-9]+]]: i1
//       CHECK:   omp.parallel if(%[[TEAM]]) {
//   CHECK-NOT:     omp.wsloop
//       CHECK:     %[[T32:.*]] = func.call @omp_get_thread_num() : () -> i32
//       CHECK:     %[[T:.*]] = arith.index_cast %[[T32]] : i32 to index
//       CHECK:     %[[N32:.*]] = func.call @omp_get_num_threads() : () -> i32
//       CHECK:     %[[N:.*]] = arith.index_cast %[[N32]] : i32 to index
//       CHECK:     %[[SPAN:.*]] = arith.maxsi %c0{{.*}}, %[[ROWS]]
//       CHECK:     %[[SCALED:.*]] = arith.muli %[[SPAN]], %[[T]]
//       CHECK:     %[[BEGIN:.*]] = arith.divui %[[SCALED]], %[[N]]
//       CHECK:     %[[NEXT:.*]] = arith.addi %[[T]], %c1
//       CHECK:     %[[SCALED1:.*]] = arith.muli %[[SPAN]], %[[NEXT]]
//       CHECK:     %[[END:.*]] = arith.divui %[[SCALED1]], %[[N]]
//       CHECK:     scf.for %[[ROW:.*]] = %[[BEGIN]] to %[[END]] step %c1 {
//       CHECK:       scf.for %[[K:.*]] = %c0 to %c640 step %c1 {
//       CHECK:         memref.load %[[X]][%[[ROW]], %[[K]]]
//       CHECK:     omp.terminator
func.func @rows(%x: memref<?x640xf32>, %rows: index, %team: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c640 = arith.constant 640 : index
  omp.parallel if(%team) {
    omp.wsloop {
      omp.loop_nest (%row) : index = (%c0) to (%rows) step (%c1) {
        scf.for %k = %c0 to %c640 step %c1 {
          %v = memref.load %x[%row, %k] : memref<?x640xf32>
          %w = arith.addf %v, %v : f32
          memref.store %w, %x[%row, %k] : memref<?x640xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Two collapsed loops (--convert-scf-to-openmp's form), the inner one from
// 4 by 2: each index of the share splits back, the last fastest, and
// becomes lower + position * step.
// CHECK-LABEL: func.func @collapsed
//  CHECK-SAME:   %[[M:[a-z0-9]+]]: memref<?x?xf32>, %[[N0:[a-z0-9]+]]: index, %[[N1:[a-z0-9]+]]: index
//       CHECK:   omp.parallel {
//       CHECK:     %[[SPAN0:.*]] = arith.maxsi %c0{{.*}}, %[[N0]]
//       CHECK:     %[[SPAN1_RAW:.*]] = arith.subi %[[N1]], %c4
//       CHECK:     %[[SPAN1:.*]] = arith.maxsi %c0{{.*}}, %[[SPAN1_RAW]]
//       CHECK:     %[[TRIP1:.*]] = arith.ceildivui %[[SPAN1]], %c2
//       CHECK:     %[[TOTAL:.*]] = arith.muli %[[SPAN0]], %[[TRIP1]]
//       CHECK:     scf.for %[[L:.*]] = %{{.*}} to %{{.*}} step %c1 {
//       CHECK:       %[[POS1:.*]] = arith.remui %[[L]], %[[TRIP1]]
//       CHECK:       %[[I:.*]] = arith.divui %[[L]], %[[TRIP1]]
//       CHECK:       %[[OFF1:.*]] = arith.muli %[[POS1]], %c2
//       CHECK:       %[[J:.*]] = arith.addi %[[OFF1]], %c4
//       CHECK:       memref.load %[[M]][%[[I]], %[[J]]]
func.func @collapsed(%m: memref<?x?xf32>, %n0: index, %n1: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c4) to (%n0, %n1) step (%c1, %c2) collapse(2) {
        %v = memref.load %m[%i, %j] : memref<?x?xf32>
        memref.store %v, %m[%i, %j] : memref<?x?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Left to libomp: a dynamic schedule, a loop that something in its region
// follows (its barrier orders the two), a step known only at run time.
// CHECK-LABEL: func.func @not_plain
//  CHECK-SAME:   %{{[a-z0-9]+}}: memref<?xf32>, %{{[a-z0-9]+}}: index, %[[STEP:[a-z0-9]+]]: index
//   CHECK-NOT:   omp_get_thread_num
//       CHECK:   omp.wsloop schedule(dynamic)
//       CHECK:   omp.wsloop {
//       CHECK:   memref.store
//       CHECK:   omp.wsloop {
//       CHECK:     omp.loop_nest {{.*}} step (%[[STEP]])
func.func @not_plain(%m: memref<?xf32>, %n: index, %step: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  omp.parallel {
    omp.wsloop schedule(dynamic) {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %zero, %m[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %zero, %m[%i] : memref<?xf32>
        omp.yield
      }
    }
    memref.store %zero, %m[%c0] : memref<?xf32>
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%step) {
        memref.store %zero, %m[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
