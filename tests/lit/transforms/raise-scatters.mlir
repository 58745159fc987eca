// RUN: seqfuse-opt --seqfuse-raise-scatters --split-input-file %s | FileCheck %s

// t[idx[i]] = m[i]  =>  last-writer-wins scatter.
// CHECK-LABEL: func.func @scatter
// CHECK: seqfuse.scatter %{{.*}} to %{{.*}} into %[[T:.*]] : memref<?xf32> element {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   %[[J:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xi64>
// CHECK:   %[[V:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xf32>
// CHECK:   %[[JI:.*]] = arith.index_cast %[[J]] : i64 to index
// CHECK:   seqfuse.yield %[[JI]], %[[V]] : index, f32
func.func @scatter(%t: memref<?xf32>, %idx: memref<?xi64>, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %idx, %c0 : memref<?xi64>
  scf.for %i = %c0 to %n step %c1 {
    %j = memref.load %idx[%i] : memref<?xi64>
    %v = memref.load %m[%i] : memref<?xf32>
    %ji = arith.index_cast %j : i64 to index
    memref.store %v, %t[%ji] : memref<?xf32>
  }
  return
}

// -----

// h[bin[i]] += w[i]  =>  histogram.
// CHECK-LABEL: func.func @histogram
// CHECK: seqfuse.scatter_combine %{{.*}} to %{{.*}} into %{{.*}} : memref<?xf32> element {
// CHECK:   seqfuse.yield %{{.*}}, %{{.*}} : index, f32
// CHECK: } combiner {
// CHECK: ^bb0(%[[OLD:.*]]: f32, %[[X:.*]]: f32):
// CHECK:   %[[S:.*]] = arith.addf %[[OLD]], %[[X]] : f32
// CHECK:   seqfuse.yield %[[S]] : f32
// CHECK: } {kind = #seqfuse.fold<add>}
func.func @histogram(%h: memref<?xf32>, %bin: memref<?xi32> {seqfuse.dims = ["n#0"]}, %w: memref<?xf32> {seqfuse.dims = ["n#0"]}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %bin, %c0 : memref<?xi32>
  scf.for %i = %c0 to %n step %c1 {
    %b = memref.load %bin[%i] : memref<?xi32>
    %bi = arith.index_cast %b : i32 to index
    %old = memref.load %h[%bi] : memref<?xf32>
    %x = memref.load %w[%i] : memref<?xf32>
    %s = arith.addf %old, %x : f32
    memref.store %s, %h[%bi] : memref<?xf32>
  }
  return
}

// -----

// t[idx[i]] = t[idx2[i]] + 1 reads what other iterations write: left alone.
// CHECK-LABEL: func.func @indirect_raw
// CHECK-NOT: seqfuse.
// CHECK: scf.for
func.func @indirect_raw(%t: memref<?xf32>, %idx: memref<?xindex>, %idx2: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %idx, %c0 : memref<?xindex>
  scf.for %i = %c0 to %n step %c1 {
    %j = memref.load %idx[%i] : memref<?xindex>
    %k = memref.load %idx2[%i] : memref<?xindex>
    %v = memref.load %t[%k] : memref<?xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %t[%j] : memref<?xf32>
  }
  return
}
