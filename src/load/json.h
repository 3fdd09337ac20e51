#pragma once
// lobbyd-load writes its reports with the tree's one streaming JSON writer.
#include "base/json_writer.h"

namespace lobbyd::load {

using base::JsonWriter;

}  // namespace lobbyd::load
