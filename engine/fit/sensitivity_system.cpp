#include "fit/sensitivity_system.hpp"

#include <algorithm>
#include <stdexcept>

namespace exvivo::fit {

using Eigen::Index;

SensitivitySystem::SensitivitySystem(const model::CompiledModel& model, const std::vector<double>& p,
                                     const std::vector<std::size_t>& selected, bool every_row,
                                     const model::SensitivityCode* code)
    : model_(model),
      selected_(selected),
      ws_(model.make_workspace()),
      n_(static_cast<Index>(model.num_states())),
      k_(static_cast<Index>(selected.size())) {
  model_.set_parameters(p.data(), ws_);
  if (k_ == 0) return;  // the state alone: the model's own rhs
  if (code != nullptr && (code->selected != selected || code->every_row != every_row))
    throw std::invalid_argument("SensitivitySystem: the generated code is for other parameters");
  code_ = code != nullptr ? *code : model::sensitivity_code(model_, selected_, every_row);
  inputs_.assign(std::max<std::size_t>(code_.num_inputs, 1), 0.0);
  model::copy_step_inputs(ws_, inputs_.data(), code_.slot_sensitivities);
  // Registers for the programs that are interpreted (native code keeps its own).
  std::size_t registers = 1;
  for (const expr::Program* program :
       {code_.program.get(), code_.terms.get(), code_.products.get(), code_.initial.get()})
    if (!program->is_native()) registers = std::max(registers, program->scratch_size());
  for (const expr::Program* program : {code_.observable_state_jacobian, code_.observable_parameter_jacobian,
                                       code_.sigma_state_jacobian, code_.sigma_parameter_jacobian})
    if (!program->is_native()) registers = std::max(registers, code_.model_scratch);
  scratch_.assign(registers, 0.0);
  output_.assign(size(), 0.0);
  rows_ = code_.product_rows;
  for (std::size_t i = 0, r = 0; i < static_cast<std::size_t>(n_); ++i)
    if (r < rows_.size() && rows_[r] == i)
      ++r;
    else
      zero_rows_.push_back(i);
  stride_ = static_cast<Index>(code_.product_stride);
  product_size_ = static_cast<Index>(rows_.size()) * stride_;
  products_s_ = model_.jacobian_sparsity().nonzeros.size() + static_cast<std::size_t>(product_size_);
  products_in_.assign(products_s_ + static_cast<std::size_t>(product_size_), 0.0);
  // Not cleared: only the entries the programs write are read (observable_structure).
  const auto no = static_cast<Index>(model_.num_observables()), np = static_cast<Index>(model_.num_parameters());
  dhdx_.resize(no * n_);
  dsdx_.resize(no * n_);
  dhdp_.resize(no * np);
  dsdp_.resize(no * np);
}

void SensitivitySystem::initial_sensitivities(Eigen::MatrixXd& S0) {
  S0.setZero(n_, k_);
  code_.initial->evaluate(inputs_.data(), S0.data(), scratch_.data());
}

void SensitivitySystem::state_rhs(double t, const double* x, double* dx) { model_.rhs(t, x, ws_, dx); }

void SensitivitySystem::prepare_columns(double t, const double* x) {
  double* in = inputs_.data();
  in[0] = t;
  std::copy(x, x + n_, in + 1);
  code_.terms->evaluate(in, products_in_.data(), scratch_.data());
}

void SensitivitySystem::products(double* dS) { code_.products->evaluate(products_in_.data(), dS, scratch_.data()); }

// Plain loops (callgrind: ¾ of the instructions of Eigen's assignment between
// a row-major and a column-major map for these small n × k blocks).
void SensitivitySystem::to_rows(const double* columns, double* rows) const {
  const Index n = n_, k = k_, stride = stride_, m = static_cast<Index>(rows_.size());
  for (Index r = 0; r < m; ++r) {
    const auto j = static_cast<Index>(rows_[static_cast<std::size_t>(r)]);
    for (Index c = 0; c < k; ++c) rows[r * stride + c] = columns[c * n + j];
    for (Index c = k; c < stride; ++c) rows[r * stride + c] = 0;
  }
}

namespace {

/// The rows of the row order into their places in the columns (k = K
/// columns, or k when K is 0): a row's k stores at once, from per-column
/// pointers (callgrind: ½ the instructions of a loop over columns, then rows).
template <int K>
void scatter(Index m, Index n, Index k, Index stride, const std::size_t* row, const double* rows, double* columns) {
  if constexpr (K > 0) {
    double* column[K];
    for (int c = 0; c < K; ++c) column[c] = columns + c * n;
    for (Index r = 0; r < m; ++r) {
      const std::size_t j = row[r];
      const double* from = rows + r * stride;
      for (int c = 0; c < K; ++c) column[c][j] = from[c];
    }
  } else {
    for (Index c = 0; c < k; ++c)
      for (Index r = 0; r < m; ++r) columns[c * n + static_cast<Index>(row[r])] = rows[r * stride + c];
  }
}

}  // namespace

void SensitivitySystem::to_columns(const double* rows, double* columns) const {
  for (Index c = 0; c < k_; ++c)
    for (const std::size_t j : zero_rows_) columns[c * n_ + static_cast<Index>(j)] = 0;
  scatter_rows(rows, columns);
}

void SensitivitySystem::scatter_rows(const double* rows, double* columns) const {
  const Index m = static_cast<Index>(rows_.size());
  switch (k_) {
    case 1: return scatter<1>(m, n_, k_, stride_, rows_.data(), rows, columns);
    case 2: return scatter<2>(m, n_, k_, stride_, rows_.data(), rows, columns);
    case 3: return scatter<3>(m, n_, k_, stride_, rows_.data(), rows, columns);
    case 4: return scatter<4>(m, n_, k_, stride_, rows_.data(), rows, columns);
    default: return scatter<0>(m, n_, k_, stride_, rows_.data(), rows, columns);
  }
}

void SensitivitySystem::observable_sensitivities(double t, const double* x, const Eigen::MatrixXd& S,
                                                 Eigen::MatrixXd& dy, Eigen::MatrixXd& ds) {
  double* in = inputs_.data();
  in[0] = t;  // the programs read [t | x | p | cache]
  std::copy(x, x + n_, in + 1);
  double* scratch = scratch_.data();
  code_.observable_state_jacobian->evaluate(in, dhdx_.data(), scratch);
  code_.observable_parameter_jacobian->evaluate(in, dhdp_.data(), scratch);
  code_.sigma_state_jacobian->evaluate(in, dsdx_.data(), scratch);
  code_.sigma_parameter_jacobian->evaluate(in, dsdp_.data(), scratch);
  // ∂h/∂p_c + (∂h/∂x)·S over the entries the programs write (the others are 0).
  const model::ObservableStructure& structure = *code_.observable_structure;
  dy.setZero();
  ds.setZero();
  for (const auto& e : structure.dhdp) dy(Index(e.row), Index(e.column)) += dhdp_[Index(e.offset)];
  for (const auto& e : structure.dsdp) ds(Index(e.row), Index(e.column)) += dsdp_[Index(e.offset)];
  for (const auto& e : structure.dhdx) dy.row(Index(e.row)) += dhdx_[Index(e.offset)] * S.row(Index(e.column));
  for (const auto& e : structure.dsdx) ds.row(Index(e.row)) += dsdx_[Index(e.offset)] * S.row(Index(e.column));
}

void SensitivitySystem::evaluate(double t, const double* z, double* out) {
  double* in = inputs_.data();
  in[0] = t;  // [t | x | p | cache | S], model/compiled_model_impl.hpp
  std::copy(z, z + n_, in + 1);
  std::copy(z + n_, z + n_ * (1 + k_), in + code_.slot_sensitivities);
  code_.program->evaluate(in, out, scratch_.data());
}

void SensitivitySystem::rhs(double t, const double* z, double* dz) {
  if (k_ == 0) {
    model_.rhs(t, z, ws_, dz);
    return;
  }
  evaluate(t, z, dz);
}

void SensitivitySystem::sensitivity_rhs(double t, const double* z, double* ds) {
  evaluate(t, z, output_.data());
  std::copy(output_.begin() + n_, output_.end(), ds);
}

void SensitivitySystem::state_jacobian(double t, const double* x, double* J) {
  model_.jacobian(t, x, ws_, J);
}

std::string SensitivitySystem::state_name(std::size_t i) const {
  const auto n = static_cast<std::size_t>(n_);
  const auto& species = model_.species();
  if (i < n) return "species " + species[i].name;
  const std::size_t c = i / n - 1;
  return "sensitivity of " + species[i % n].name + " to " + model_.parameters()[selected_[c]].name;
}

}  // namespace exvivo::fit
