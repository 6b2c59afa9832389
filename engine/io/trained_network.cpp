#include "kode/engine/io/trained_network.hpp"

#include "kode/engine/io/hdf5_writer.hpp"

namespace kode {

using hdf5::dataset_dims;
using hdf5::Handle;
using hdf5::Hdf5Calls;
using hdf5::QuietHdf5Errors;
using hdf5::read_block;
using hdf5::read_scalar_attribute;
using hdf5::read_string_array_attribute;

TrainedNetwork read_trained_network(const std::string& path, const std::string& what) {
  QuietHdf5Errors quiet;
  const Hdf5Calls h5(path);
  Handle file = hdf5::open_for_reading(h5, what);
  for (const char* name : {"network", "network/weights", "validation/ys_predicted"})
    if (H5Lexists(file.get(), name, H5P_DEFAULT) <= 0)
      throw ConfigError(what + ": '" + path + "' has no /" + name +
                        " (not the result of kode train with a network)");
  Handle net = h5.handle(H5Gopen2(file.get(), "network", H5P_DEFAULT), H5Gclose, "H5Gopen2");
  TrainedNetwork t;
  if (H5Aexists(file.get(), "model") > 0) {
    const std::vector<std::string> model = read_string_array_attribute(h5, file.get(), "model");
    if (!model.empty()) t.model = model.front();
  }
  Mlp& m = t.network;
  const auto integer = [&](const char* name) {
    return read_scalar_attribute<int>(h5, net.get(), name, H5T_NATIVE_INT);
  };
  m.in_size = integer("in_size");
  m.out_size = integer("out_size");
  m.width = integer("width");
  m.depth = integer("depth");
  m.time_input = integer("time_input") != 0;
  m.learnt_scale = integer("learnt_scale") != 0;
  const auto word = [&](const char* name) {
    const std::vector<std::string> v = read_string_array_attribute(h5, net.get(), name);
    return v.empty() ? std::string() : v.front();
  };
  const std::string activation = word("activation"), final_activation = word("final_activation");
  bool known = false;
  for (int a = 0; a <= 4; ++a) {
    const auto kind = static_cast<MlpActivation>(a);
    const char* names[] = {"softplus", "tanh", "relu", "silu", "elu"};
    if (activation == names[a]) {
      m.activation = kind;
      known = true;
    }
  }
  if (!known || (final_activation != "identity" && final_activation != "tanh"))
    throw ConfigError(what + ": '" + path + "': unknown activation '" + activation + "' / '" +
                      final_activation + "' in /network");
  m.final_activation =
      final_activation == "tanh" ? MlpFinalActivation::tanh : MlpFinalActivation::identity;
  const std::string error = m.validation_error();
  if (!error.empty() || m.in_size != m.out_size)
    throw ConfigError(what + ": '" + path + "': /network is not a vector field (" +
                      (error.empty() ? "in_size != out_size" : error) + ")");
  Handle w = h5.handle(H5Dopen2(net.get(), "weights", H5P_DEFAULT), H5Dclose, "H5Dopen2");
  const std::vector<hsize_t> dims = dataset_dims(h5, w.get(), "network/weights");
  if (dims.size() != 1 || dims[0] != static_cast<hsize_t>(m.n_weights()))
    throw ConfigError(what + ": '" + path + "': /network/weights does not hold the " +
                      std::to_string(m.n_weights()) + " weights of its architecture");
  t.weights = read_block<double>(h5, w.get(), "network/weights", H5T_NATIVE_DOUBLE, {0}, {dims[0]});
  Handle ys =
      h5.handle(H5Dopen2(file.get(), "validation/ys_predicted", H5P_DEFAULT), H5Dclose, "H5Dopen2");
  t.state_names = read_string_array_attribute(h5, ys.get(), "state_names");
  if (t.state_names.size() != static_cast<size_t>(m.in_size))
    throw ConfigError(what + ": '" + path + "': the state names do not match the network");
  return t;
}

}  // namespace kode
