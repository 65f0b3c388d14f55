// The seam between the vector codec and hnswlib: a SpaceInterface whose data size is the codec's
// stored form and whose distance function is the codec's dispatched kernel, so hnswlib stores,
// copies and compares our bytes without knowing what they are. Includes hnswlib: only ann/*.cpp
// (and tests) include this header.
#pragma once

#include <hnswlib/hnswlib.h>

#include "vectors/codec.h"

namespace quiver::ann {

class CodecSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit CodecSpace(const vectors::VectorCodec& codec) : codec_(codec) {}

  size_t get_data_size() override { return codec_.stored_bytes(); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return codec_.distance_fn(); }
  // hnswlib passes this back to every distance call and never writes through it.
  void* get_dist_func_param() override { return const_cast<void*>(codec_.distance_params()); }

  const vectors::VectorCodec& codec() const { return codec_; }
  // Before any vector is stored: the learned parameters a graph file was written with.
  void restore_param_bits(uint32_t bits) { codec_ = codec_.with_param_bits(bits); }

 private:
  vectors::VectorCodec codec_;  // owned here: hnswlib keeps a pointer to its parameters
};

}  // namespace quiver::ann
