#include "solve/integrate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "solve/bracket_change.hpp"
#include "solve/error_norm.hpp"
#include "solve/step_controller.hpp"
#include "solve/stepper.hpp"

namespace exvivo::solve {
namespace {

using detail::ErrorNorm;
using detail::StepController;
using detail::Stepper;
using Clock = std::chrono::steady_clock;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double eps = std::numeric_limits<double>::epsilon();

// Stiffness test (auto): h·ρ(J) near DOPRI5's stability boundary (≈3.3 on the
// real axis) on 5 checks, one every 4 accepted steps, before 3 in a row say
// otherwise. 2.5 rather than Hairer's 3.25: at tight tolerances the
// error-limited step nears the boundary only slowly (ROBER to 1e11 at
// rel_tol 1e-10: 16,600 steps in all at 2.5, 25,300 at 3.0, 11,300 with
// rodas4 alone), yet Rodas4 is already cheaper there; 2.0 would switch the
// bundled leukocyte model, which rk45 solves faster (bench/README.md).
constexpr double stiff_h_lambda = 2.5;
constexpr int stiffness_check_every = 4;  // accepted steps
constexpr int stiff_checks_to_switch = 5;
constexpr int nonstiff_checks_to_forget = 3;
// ... and back (LSODA switches both ways): on rodas4, h·ρ(J) below this on 3
// checks in a row returns to rk45. Dormand–Prince is stable for h·ρ up to
// ≈3.3, so below 5 it needs at most about twice Rodas4's steps, each of the
// same 6 rhs evaluations but without the Jacobian, LU and 6 solves of a Rodas4
// step (on the 54-state leukocyte model a Rodas4 step costs ~10 Dormand–Prince
// steps, bench/README.md). Without it, the 4.5 % of a virtual cohort on which
// the test fires near the stability boundary ran all of their remaining
// segments on rodas4 at 7× the cost. Each return doubles the checks needed to
// switch to rodas4 again, so a problem at the boundary cannot ping-pong.
constexpr double nonstiff_h_lambda = 5.0;
constexpr int nonstiff_checks_to_switch_back = 3;
// Safety net for the stiffness test, which estimates ρ(J) and can be fooled
// (e.g. when accuracy rather than stability limits the step): a segment on
// which Dormand–Prince has made this many attempts, or rejected this share of
// at least `rejections_checked_after` attempts, continues with rodas4. Either
// pattern means the explicit method is stuck at its stability boundary or is
// heading for max_steps; rodas4 solves non-stiff problems too, only at a
// higher cost per step.
constexpr long explicit_attempts_to_switch = 5000;
constexpr long rejections_checked_after = 200;
constexpr double rejected_share_to_switch = 0.3;
constexpr int clock_check_every = 16;  // step attempts
constexpr int max_nonfinite_retries = 12;
// Restarts at switches without an accepted step in between; more means the
// flow pushes the state back across the switch at once (sliding along it).
constexpr int max_restarts_in_place = 4;
// Steps ended just before a switch in a row, each followed by a trial that
// crosses it again further on, before the switch is taken as one the
// solution only approaches (see integrate_segment).
constexpr int max_landings = 8;

enum class Method { automatic, rk45, rodas4 };

Method parse_method(const std::string& name) {
  if (name == "rk45") return Method::rk45;
  if (name == "rosenbrock" || name == "rodas4") return Method::rodas4;
  return Method::automatic;  // validate() has rejected anything else
}

/// What went wrong, to be turned into a Status and message by the caller.
struct Failure {
  Status status;
  std::string what;
};

class Integrator {
 public:
  Integrator(OdeSystem& system, const SolverOptions& options, IntegrationResult& result,
             const StepperFactory& rosenbrock, const StepperFactory& explicit_rk)
      : system_(system),
        options_(options),
        rosenbrock_(rosenbrock),
        explicit_rk_(explicit_rk),
        result_(result),
        norm_(options.rel_tol, options.abs_tol, system.size()),
        method_(parse_method(options.method)),
        nonnegative_(system.nonnegative()),
        n_(static_cast<Eigen::Index>(system.size())),
        num_switches_(system.num_switches()),
        plain_switches_(num_switches_ > 0 ? system.switches_function() : OdeSystem::PlainFunction{}) {
    start_ = Clock::now();
    make_stepper(method_ == Method::rodas4 ? Method::rodas4 : Method::rk45);
    scratch_.setZero(n_);
    locate_.setZero(n_);
    switch_values_.assign(num_switches_, 0.0);
    switch_below_.assign(num_switches_, 0);
    switch_probe_.assign(num_switches_, 0);
    switch_changed_.assign(num_switches_, 0);
    flipped_at_.assign(num_switches_, -100);
    quick_flips_.assign(num_switches_, 0);
    probe_.setZero(n_);
    probe_dxdt_.setZero(n_);
  }

  void run(const Eigen::VectorXd& x0, double t0, const std::vector<Event>& events,
           const std::vector<SampleTime>& samples) {
    samples_ = &samples;
    result_.states = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(samples.size()), n_, nan);
    if (samples.empty()) return;
    if (auto bad = check_schedule(t0, events, samples)) return fail(Status::error, *bad);
    if (n_ == 0) {  // nothing to integrate (e.g. an SBML model of rules of t only)
      next_sample_ = samples.size();
      return;
    }

    const double t_end = samples.back().time;
    Eigen::VectorXd x = x0;
    double t = t0;
    std::size_t next_event = 0;
    while (next_event < events.size() && events[next_event].time < t0) ++next_event;

    for (;;) {
      record_at(t, x, /*before_event=*/true);
      if (next_event < events.size() && events[next_event].time == t) {
        if (auto bad = apply(events[next_event], x)) return fail(Status::error, *bad);
        ++next_event;
      }
      record_at(t, x, /*before_event=*/false);
      if (next_sample_ >= samples.size() || t >= t_end) break;
      double t_stop = t_end;
      if (next_event < events.size()) t_stop = std::min(t_stop, events[next_event].time);
      // Up to t_stop, restarting wherever a switch function changes sign.
      bool restarted = false;
      while (t < t_stop) {
        std::optional<double> restart;
        if (auto failure = integrate_segment(t, t_stop, x, restarted, &restart))
          return fail(failure->status, failure->what);
        if (!restart) {
          t = t_stop;
          break;
        }
        t = *restart;
        restarted = true;
        if (t >= t_stop) break;  // t_stop's samples and event come next
        record_at(t, x, /*before_event=*/true);
        record_at(t, x, /*before_event=*/false);
        if (next_sample_ >= samples.size()) return;
      }
    }
  }

  void finish() {
    result_.completed = next_sample_;
    result_.stats.method = methods_used_;
    result_.stats.wall_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  }

 private:
  static std::optional<std::string> check_schedule(double t0, const std::vector<Event>& events,
                                                   const std::vector<SampleTime>& samples) {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (!(samples[i].time >= t0))
        return fmt::format("sample {} at t = {:g} is before the start t0 = {:g}", i,
                           samples[i].time, t0);
      // "t-" (before_event) sorts before "t" at the same time.
      if (i > 0 && (samples[i].time < samples[i - 1].time ||
                    (samples[i].time == samples[i - 1].time && samples[i].before_event &&
                     !samples[i - 1].before_event)))
        return fmt::format("sample times are not sorted (sample {} at t = {:g}{} after t = {:g}{})",
                           i, samples[i].time, samples[i].before_event ? "-" : "",
                           samples[i - 1].time, samples[i - 1].before_event ? "-" : "");
    }
    for (std::size_t i = 0; i < events.size(); ++i)
      if (!std::isfinite(events[i].time) || (i > 0 && !(events[i].time > events[i - 1].time)))
        return fmt::format("event times are not strictly increasing (event {} at t = {:g})", i,
                           events[i].time);
    return std::nullopt;
  }

  std::optional<std::string> apply(const Event& event, Eigen::VectorXd& x) const {
    for (const EventAction& action : event.actions) {
      if (action.species >= system_.size())
        return fmt::format("event at t = {:g}: state index {} out of range (size {})", event.time,
                           action.species, system_.size());
      double& value = x[static_cast<Eigen::Index>(action.species)];
      switch (action.kind) {
        case EventAction::Kind::add: value += action.value; break;
        case EventAction::Kind::set: value = action.value; break;
        case EventAction::Kind::scale: value *= action.value; break;
      }
    }
    return std::nullopt;
  }

  /// Records the samples at exactly time t with the given before_event flag.
  void record_at(double t, const Eigen::VectorXd& x, bool before_event) {
    const auto& samples = *samples_;
    while (next_sample_ < samples.size() && samples[next_sample_].time == t &&
           samples[next_sample_].before_event == before_event) {
      store(x);
    }
    // A sample "t-" without an event at t is recorded by the before pass; one
    // without "-" that sorts before it cannot exist (samples are sorted by
    // (time, !before_event)).
  }

  void store(const Eigen::VectorXd& x) {
    result_.states.row(static_cast<Eigen::Index>(next_sample_)) = x.transpose();
    ++next_sample_;
  }

  void make_stepper(Method method) {
    if (method == Method::rodas4) {
      stepper_ = rosenbrock_ ? rosenbrock_(system_, norm_, result_.stats)
                             : detail::make_rodas4(system_, norm_, result_.stats);
      controller_.emplace(StepController::Kind::predictive_rodas);
    } else {
      stepper_ = explicit_rk_ ? explicit_rk_(system_, norm_, result_.stats)
                              : detail::make_dopri5(system_, norm_, result_.stats);
      controller_.emplace(StepController::Kind::pi_dopri5);
    }
    on_rk45_ = method != Method::rodas4;
    if (!methods_used_.empty()) methods_used_ += "+";
    methods_used_ += stepper_->name();
  }

  /// Hairer's initial step (HNW I §II.4, routine HINIT) from f0 = f(t, x).
  double initial_step(double t, const Eigen::VectorXd& x, const Eigen::VectorXd& f0,
                      double h_max) {
    const double d0 = norm_(x, x);
    const double d1 = norm_(f0, x);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = std::min(h0, h_max);
    scratch_ = x + h0 * f0;
    Eigen::VectorXd f1(n_);
    ++result_.stats.rhs_evals;
    system_.rhs(t + h0, scratch_.data(), f1.data());
    const double d2 = norm_(f1 - f0, x) / h0;
    const double d = std::max(d1, d2);
    const double h1 = (d <= 1e-15 || !std::isfinite(d))
                          ? std::max(1e-6, h0 * 1e-3)
                          : std::pow(0.01 / d, 1.0 / stepper_->order());
    return std::min({100 * h0, h1, h_max});
  }

  std::string where(double t, double h) const {
    const std::string unit = system_.time_unit();
    if (unit.empty()) return fmt::format("At t = {:g} (step {:.3g})", t, h);
    return fmt::format("At t = {:g} {} (step {:.3g} {})", t, unit, h, unit);
  }

  static const char* non_finite_word(double v) {
    if (std::isnan(v)) return "NaN";
    return v > 0 ? "inf" : "-inf";
  }

  /// Names the component that went bad in the last trial: in f at the step's
  /// start, in the trial state or, failing that, in its error estimate (i.e. a
  /// later stage derivative). An overflow
  /// (±inf) is named before NaNs, which are often its consequence in other
  /// components (0·inf in the linear solves).
  std::string non_finite_what() const {
    const auto first = [this](const Eigen::VectorXd& v, bool want_inf) -> std::optional<Eigen::Index> {
      for (Eigen::Index i = 0; i < n_; ++i)
        if (want_inf ? std::isinf(v[i]) : std::isnan(v[i])) return i;
      return std::nullopt;
    };
    const Eigen::VectorXd& derivative = stepper_->derivative();
    const Eigen::VectorXd& candidate = stepper_->candidate();
    const Eigen::VectorXd& error = stepper_->error_estimate();
    // Only NaNs left (inf − inf, 0·inf inside the stages) but the state is near
    // overflow: the overflowing component is the cause.
    const bool any_inf = first(derivative, true) || first(candidate, true) || first(error, true);
    Eigen::Index largest = 0;
    if (!any_inf && stepper_->state().cwiseAbs().maxCoeff(&largest) > 1e150)
      return fmt::format("{} became inf", system_.state_name(static_cast<std::size_t>(largest)));
    for (bool want_inf : {true, false}) {
      if (auto i = first(derivative, want_inf))
        return fmt::format("the derivative of {} became {}",
                           system_.state_name(static_cast<std::size_t>(*i)),
                           non_finite_word(derivative[*i]));
    }
    for (bool want_inf : {true, false}) {
      if (auto i = first(candidate, want_inf))
        return fmt::format("{} became {}", system_.state_name(static_cast<std::size_t>(*i)),
                           non_finite_word(candidate[*i]));
    }
    for (bool want_inf : {true, false}) {
      if (auto i = first(error, want_inf))
        return fmt::format("the derivative of {} became {}",
                           system_.state_name(static_cast<std::size_t>(*i)),
                           non_finite_word(error[*i]));
    }
    return "the state became non-finite";
  }

  /// Verdict on the negative components of an acceptable trial (non-negative
  /// systems only). A component that was ≥ 0 at the step's start may be pushed
  /// below 0 by numerical error only where the exact flow cannot cross 0:
  /// where f_i ≥ 0 at the trial point
  /// with x_i set to 0 — the quasi-positivity that keeps concentrations ≥ 0.
  /// There a value below −abs_tol_i rejects the step and a tiny one is set to
  /// 0; components whose dynamics really drive them negative (f_i < 0 at
  /// x_i = 0, e.g. a signed state) are left alone. One rhs evaluation per
  /// negative component, and only when one occurs.
  struct NegativeCheck {
    std::optional<Eigen::Index> reject_because;
  };
  NegativeCheck check_negatives(double t_new) {
    NegativeCheck check;
    set_to_zero_.clear();
    if (!stepper_->candidate_has_negative()) return check;
    const Eigen::VectorXd& candidate = stepper_->candidate();
    const Eigen::VectorXd& start = stepper_->state();
    probe_ = candidate;
    for (Eigen::Index i = 0; i < n_; ++i) {
      if (!(candidate[i] < 0) || !(start[i] >= 0)) continue;  // only crossings of 0
      probe_[i] = 0;
      ++result_.stats.rhs_evals;
      system_.rhs(t_new, probe_.data(), probe_dxdt_.data());
      probe_[i] = candidate[i];
      if (!(probe_dxdt_[i] >= 0)) continue;
      if (candidate[i] < -norm_.abs_tol(i)) {
        check.reject_because = i;
        return check;
      }
      set_to_zero_.push_back(i);
    }
    return check;
  }

  // --- switches (OdeSystem::switches) ---------------------------------------
  // See integrate.hpp: each trial's end is checked; a change of a test is
  // bracketed (bracket_trial), the step retried to end just before it, and
  // the integration restarted just after it (restart_after_switch).

  /// g(t, x) into switch_values_ (through the system's plain function when
  /// it has one: this runs after every trial step).
  void evaluate_switches(double t, const Eigen::VectorXd& x) {
    if (plain_switches_.function != nullptr) {
      plain_switches_.context[0] = t;
      plain_switches_.function(plain_switches_.context, x.data(), switch_values_.data());
    } else {
      system_.switches(t, x.data(), switch_values_.data());
    }
  }

  /// The tests g_k < 0 at (t, x) into `below`.
  void switch_tests(double t, const Eigen::VectorXd& x, std::vector<char>& below) {
    evaluate_switches(t, x);
    for (std::size_t k = 0; k < num_switches_; ++k) below[k] = switch_values_[k] < 0;
  }

  /// Whether a test at (t, x) differs from its known reference value (the
  /// tests at (t, x) into switch_probe_).
  bool switched(double t, const Eigen::VectorXd& x) {
    evaluate_switches(t, x);
    bool changed = false;
    for (std::size_t k = 0; k < num_switches_; ++k) {
      const char below = switch_values_[k] < 0;
      switch_probe_[k] = below;
      changed |= switch_below_[k] < unknown && below != switch_below_[k];
    }
    return changed;
  }

  /// Sets the reference of test k from the last switch_tests(): unknown where
  /// g_k is exactly 0 (two equal operands, e.g. both 0 at the start: the
  /// test's value then depends on where they go from there, which the first
  /// accepted step tells).
  void set_reference(std::size_t k) {
    if (switch_below_[k] == ignored) return;
    switch_below_[k] = switch_values_[k] == 0 ? unknown : switch_probe_[k];
    if (switch_below_[k] == unknown) ++num_unknown_;
  }

  /// After an accepted step: the unknown references from its end (the tests
  /// of its candidate, checked before it was accepted, are still in
  /// switch_probe_ and switch_values_).
  void learn_references() {
    num_unknown_ = 0;
    for (std::size_t k = 0; k < num_switches_; ++k)
      if (switch_below_[k] == unknown) set_reference(k);
  }

  /// The adjacent doubles lo < hi in [t0, t1] around the first change of a
  /// test between t0 (none) and (t1, x1) (switch_probe_ holds the tests there),
  /// with the state at t taken from `state_at(t, locate_)`; switch_hi_ and
  /// switch_x_hi_ receive the tests and the state at hi.
  template <class StateAt>
  std::pair<double, double> bracket_switch(double t0, double t1, const Eigen::VectorXd& x1, const StateAt& state_at) {
    switch_hi_ = switch_probe_;
    switch_x_hi_ = x1;
    return bracket_change(t0, t1, [&](double t) {
      state_at(t, locate_);
      if (!switched(t, locate_)) return false;
      switch_hi_ = switch_probe_;
      switch_x_hi_ = locate_;
      return true;
    });
  }

  /// Brackets the first change of a test in the trial step from t_now to
  /// t_new (the candidate has one). On the dense output when the trial is
  /// acceptable (the step is accepted to get it, then undone by a reset to
  /// its start). Otherwise the candidate is not to be trusted (its later
  /// stages saw the new f), and the change is sought on the tangent
  /// x + (t − t_now)·f(t_now, x) of the old f (exact for switches of t
  /// alone); nullopt when the tangent does not reach it by t_new.
  std::optional<std::pair<double, double>> bracket_trial(double t_now, double t_new, double err) {
    if (err <= 1) {
      saved_ = stepper_->state();
      stepper_->accept(t_new, no_zeros_);
      const auto b = bracket_switch(t_now, t_new, stepper_->state(),
                                    [&](double t, Eigen::VectorXd& x) { stepper_->interpolate(t, x); });
      stepper_->reset(t_now, saved_);
      return b;
    }
    return tangent_bracket(t_now, stepper_->state(), stepper_->derivative(), t_new);  // f at t_now after any trial
  }

  /// The bracket of the first change of a test on the tangent
  /// x0 + (t − t0)·f0 up to t1; nullopt when there is none at t1.
  std::optional<std::pair<double, double>> tangent_bracket(double t0, const Eigen::VectorXd& x0,
                                                           const Eigen::VectorXd& f0, double t1) {
    const auto tangent = [&](double t, Eigen::VectorXd& x) { x = x0 + (t - t0) * f0; };
    Eigen::VectorXd& x1 = saved_;
    tangent(t1, x1);
    if (!switched(t1, x1)) return std::nullopt;
    return bracket_switch(t0, t1, x1, tangent);
  }

  /// Whether a switch at lo lies within a few ulps after t (a restart then
  /// goes on after it) rather than further on (a step then ends at lo first).
  static bool at_hand(double lo, double t) {
    return lo - t <= 16 * eps * std::max(std::abs(t), std::numeric_limits<double>::min() / eps);
  }

  /// Ends the segment for a restart at hi (the last bracket's), from the state
  /// there, where the tests have their new values (for a switch of the state
  /// alone, the state at lo still has the old ones).
  void restart_after_switch(double hi, Eigen::VectorXd& x, std::optional<double>* restart) {
    ++restarts_in_place_;
    for (std::size_t k = 0; k < num_switches_; ++k) {
      switch_changed_[k] = switch_below_[k] < unknown && switch_hi_[k] != switch_below_[k];
      if (!switch_changed_[k]) continue;
      switch_below_[k] = switch_hi_[k];
      // Changing back within a step or two of the last change, again and
      // again: the flow pushes the state back across the switch at once
      // (sliding along it, e.g. a species held at a threshold). Restarting
      // at every crossing would take ulp-sized steps; from the third such
      // change on, the switch is stepped across as if f were smooth there.
      quick_flips_[k] = accepted_ - flipped_at_[k] <= 2 ? quick_flips_[k] + 1 : 0;
      flipped_at_[k] = accepted_;
      if (quick_flips_[k] >= 3) switch_below_[k] = ignored;
    }
    x = switch_x_hi_;
    *restart = hi;
  }

  /// Integrates from (t, x) to t_stop. With `restart` (and switch functions
  /// in the system), ends early where a switch test changes value (see
  /// above): x then is the state at lo and *restart the time hi to go on
  /// from. `restarted`: t is such an hi, and the reference tests keep the
  /// values the change gave them.
  std::optional<Failure> integrate_segment(double t, double t_stop, Eigen::VectorXd& x, bool restarted = false,
                                           std::optional<double>* restart = nullptr) {
    const bool watch = restart != nullptr && num_switches_ > 0;
    if (watch) {
      // After a restart, the tests that changed keep their new value.
      if (!restarted) {  // a run's start or an event: every switch is watched again
        restarts_in_place_ = 0;
        std::fill(switch_below_.begin(), switch_below_.end(), 0);
        std::fill(quick_flips_.begin(), quick_flips_.end(), 0);
      }
      switch_tests(t, x, switch_probe_);
      num_unknown_ = 0;
      for (std::size_t k = 0; k < num_switches_; ++k)
        if (!restarted || !switch_changed_[k])
          set_reference(k);
        else if (switch_below_[k] == unknown)
          ++num_unknown_;
    }
    double landing = -std::numeric_limits<double>::infinity();  // the lo a retried step ends at
    double h_before_landing = 0;                                // the step that found the switch
    int landings = 0;  // steps ended before a switch in a row
    stepper_->reset(t, x);
    controller_->reset();
    const Eigen::VectorXd& f0 = stepper_->derivative();
    for (Eigen::Index i = 0; i < n_; ++i) {
      if (!std::isfinite(x[i]))
        return Failure{Status::non_finite,
                       fmt::format("{}: {} is {}", where(t, 0),
                                   system_.state_name(static_cast<std::size_t>(i)),
                                   non_finite_word(x[i]))};
      if (!std::isfinite(f0[i]))
        return Failure{Status::non_finite,
                       fmt::format("{}: the derivative of {} became {}", where(t, 0),
                                   system_.state_name(static_cast<std::size_t>(i)),
                                   non_finite_word(f0[i]))};
    }
    const double span = t_stop - t;
    const double h_max = options_.max_step > 0 ? std::min(options_.max_step, span) : span;
    double h = options_.initial_step > 0 ? std::min(options_.initial_step, h_max)
                                         : initial_step(t, x, f0, h_max);
    int nonfinite_retries = 0;
    int negative_retries = 0;
    int stiff_checks = 0, nonstiff_checks = 0, accepted_since_check = 0;
    long explicit_attempts = 0, explicit_rejected = 0;
    // Continues from the current point with the other method.
    const auto switch_to = [&](Method method) {
      const Eigen::VectorXd here = stepper_->state();
      const double t_here = stepper_->time();
      make_stepper(method);
      stepper_->reset(t_here, here);
      controller_->reset();
      nonstiff_checks = accepted_since_check = 0;
      if (method == Method::rk45) {
        stiff_checks = 0;
        explicit_attempts = explicit_rejected = 0;
        stiff_checks_to_switch_ = std::min(2 * stiff_checks_to_switch_, 1 << 12);
      }
    };
    const auto switch_to_rodas4 = [&] { switch_to(Method::rodas4); };

    while (stepper_->time() < t_stop) {
      const double t_now = stepper_->time();
      bool last = false, to_switch = false;
      if (landing > t_now && t_now + 1.0001 * h >= landing) {  // land exactly before the switch
        h = landing - t_now;
        to_switch = true;
      } else if (t_now + 1.0001 * h >= t_stop) {  // land exactly on t_stop
        h = t_stop - t_now;
        last = true;
      }
      if (h < 10 * eps * std::abs(t_now) || h < std::numeric_limits<double>::min()) {
        if (nonfinite_retries > 0)
          return Failure{Status::non_finite, fmt::format("{}: {}", where(t_now, h),
                                                         non_finite_what())};
        if (negative_retries > 0)
          return Failure{Status::step_underflow,
                         fmt::format("{}: step size underflow: {} keeps going negative",
                                     where(t_now, h),
                                     system_.state_name(static_cast<std::size_t>(last_negative_)))};
        return Failure{Status::step_underflow,
                       fmt::format("{}: step size underflow", where(t_now, h))};
      }
      const long attempts = result_.stats.steps + result_.stats.rejected_steps;
      if (attempts >= options_.max_steps)
        return Failure{Status::max_steps,
                       fmt::format("{}: more than max_steps = {} steps", where(t_now, h),
                                   options_.max_steps)};
      if (options_.timeout > 0 && attempts % clock_check_every == 0) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
        if (elapsed > options_.timeout)
          return Failure{Status::timeout,
                         fmt::format("{}: wall-clock timeout of {:g} s exceeded", where(t_now, h),
                                     options_.timeout)};
      }

      const bool explicit_step = method_ == Method::automatic && on_rk45_;
      if (explicit_step) {
        ++explicit_attempts;
        if (explicit_attempts >= explicit_attempts_to_switch ||
            (explicit_attempts >= rejections_checked_after &&
             static_cast<double>(explicit_rejected) > rejected_share_to_switch * static_cast<double>(explicit_attempts))) {
          switch_to_rodas4();
          continue;
        }
      }
      const double err = stepper_->try_step(h);
      // The stepper's own verdict: the step again by rodas4 (only a caller's
      // explicit stepper can give one; this runs after every trial).
      if (explicit_step && explicit_rk_ && stepper_->needs_stiff_method()) {
        ++result_.stats.rejected_steps;
        switch_to_rodas4();
        continue;
      }
      if (explicit_step && !(err <= 1)) ++explicit_rejected;
      if (!std::isfinite(err)) {
        ++result_.stats.rejected_steps;
        // f at the accepted point itself is non-finite: no step size can help.
        if (++nonfinite_retries > max_nonfinite_retries || !stepper_->derivative().allFinite())
          return Failure{Status::non_finite, fmt::format("{}: {}", where(t_now, h),
                                                         non_finite_what())};
        h = std::min(controller_->rejected(h, err), h_max);
        continue;
      }
      nonfinite_retries = 0;
      const double t_new = last ? t_stop : to_switch ? landing : t_now + h;
      if (watch && switched(t_new, stepper_->candidate())) {
        switch_at_trial_ = switch_probe_;
        if (const auto bracket = bracket_trial(t_now, t_new, err)) {
          // (After bracket_trial the trial is spent: every branch retries or returns.)
          const auto [lo, hi] = *bracket;
          ++result_.stats.rejected_steps;
          if (!at_hand(lo, t_now) && ++landings > max_landings) {
            // Each step ended before the switch, yet the next trial crosses
            // it again a little further on: the switch function only
            // approaches 0 (a species settling at a threshold) and the
            // crossings are within the error tolerance. Stepped across as
            // if f were smooth there, until the next event.
            for (std::size_t k = 0; k < num_switches_; ++k)
              if (switch_below_[k] < unknown && switch_at_trial_[k] != switch_below_[k]) switch_below_[k] = ignored;
            landings = 0;
            --result_.stats.rejected_steps;
            continue;
          }
          if (!at_hand(lo, t_now)) {
            // Retry, ending just before the switch.
            if (landing <= t_now) h_before_landing = h;
            h = lo - t_now;
            landing = lo;
            continue;
          }
          if (restarts_in_place_ < max_restarts_in_place) {
            restart_after_switch(hi, x, restart);
            return std::nullopt;
          }
          // A switch that keeps flipping back (the flow pushes the state back
          // across it at once): step across it as if f were smooth there.
          for (std::size_t k = 0; k < num_switches_; ++k)
            if (switch_below_[k] < unknown) switch_below_[k] = switch_at_trial_[k];
          continue;
        }
      }
      if (err > 1) {
        ++result_.stats.rejected_steps;
        h = std::min(controller_->rejected(h, err), h_max);
        continue;
      }
      if (nonnegative_) {
        if (auto negative = check_negatives(t_new).reject_because) {
          ++result_.stats.rejected_steps;
          ++negative_retries;
          last_negative_ = *negative;
          h *= 0.5;
          continue;
        }
      }
      negative_retries = 0;

      ++result_.stats.steps;
      stepper_->accept(t_new, set_to_zero_);
      if (watch) {
        if (!to_switch) landings = 0;
        ++accepted_;
        restarts_in_place_ = 0;
        if (num_unknown_ > 0) learn_references();
      }
      record_between(t_stop);
      if (to_switch) {
        // Ended before a switch: when the tangent of f from here changes a
        // test within a few ulps, the switch is reached: restart after it.
        // (A change further on is left to the next trial: following the
        // tangent there would chase a switch function that only approaches
        // 0, e.g. a species decaying towards a threshold, in ever smaller
        // steps.)
        ++result_.stats.rhs_evals;
        system_.rhs(t_new, stepper_->state().data(), probe_dxdt_.data());
        const double t_ahead = std::min(t_new + h_before_landing, t_stop);
        if (const auto bracket = tangent_bracket(t_new, stepper_->state(), probe_dxdt_, t_ahead);
            bracket && at_hand(bracket->first, t_new)) {
          restart_after_switch(bracket->second, x, restart);
          return std::nullopt;
        }
      }
      // A step shortened to end before a switch says nothing about the step
      // size the error allows (a predictive controller would shrink the next
      // step with it): the next trial uses the step that found the switch.
      h = to_switch ? h_before_landing : std::min(controller_->accepted(h, err), h_max);

      if (method_ == Method::automatic && ++accepted_since_check >= stiffness_check_every && !last) {
        accepted_since_check = 0;
        const double h_lambda = stepper_->stiffness_estimate();
        if (on_rk45_) {
          if (h_lambda > stiff_h_lambda) {
            nonstiff_checks = 0;
            if (++stiff_checks >= stiff_checks_to_switch_) {
              stiff_checks = 0;
              switch_to_rodas4();
            }
          } else if (++nonstiff_checks >= nonstiff_checks_to_forget) {
            stiff_checks = 0;
          }
        } else if (!rosenbrock_ && h_lambda >= 0 && h_lambda < nonstiff_h_lambda) {
          // (A caller's own Rosenbrock stepper, e.g. with sensitivities, stays.)
          if (++nonstiff_checks >= nonstiff_checks_to_switch_back) switch_to(Method::rk45);
        } else {
          nonstiff_checks = 0;
        }
      }
    }
    x = stepper_->state();
    return std::nullopt;
  }

  /// Samples strictly inside the last accepted step and before t_stop (those
  /// at t_stop are recorded by run() around the event there).
  void record_between(double t_stop) {
    const auto& samples = *samples_;
    const double t_new = stepper_->time();
    while (next_sample_ < samples.size() && samples[next_sample_].time < t_stop &&
           samples[next_sample_].time <= t_new) {
      const double ts = samples[next_sample_].time;
      if (ts == t_new) {
        store(stepper_->state());
      } else {
        stepper_->interpolate(ts, scratch_);
        if (nonnegative_) {
          // The interpolant may dip below 0 between two non-negative ends.
          const Eigen::VectorXd& a = stepper_->previous_state();
          const Eigen::VectorXd& b = stepper_->state();
          for (Eigen::Index i = 0; i < n_; ++i)
            if (scratch_[i] < 0 && a[i] >= 0 && b[i] >= 0) scratch_[i] = 0;
        }
        store(scratch_);
      }
    }
  }

  void fail(Status status, const std::string& message) {
    result_.status = status;
    result_.message = message;
  }

  OdeSystem& system_;
  const SolverOptions& options_;
  const StepperFactory& rosenbrock_;
  const StepperFactory& explicit_rk_;
  IntegrationResult& result_;
  ErrorNorm norm_;
  Method method_;
  bool nonnegative_;
  Eigen::Index n_;
  std::size_t num_switches_;
  OdeSystem::PlainFunction plain_switches_;  ///< system_.switches_function()
  std::vector<double> switch_values_;
  static constexpr char unknown = 2;  ///< exactly 0 at the start: the first accepted step tells
  static constexpr char ignored = 3;  ///< sliding along the switch: stepped across (restart_after_switch)
  std::vector<char> switch_below_;  ///< reference value of each test g_k < 0 (1, 0 or unknown)
  std::size_t num_unknown_ = 0;
  std::vector<char> switch_probe_;     ///< the tests at the last point checked
  std::vector<char> switch_hi_;        ///< the tests at the hi of the last bracket
  std::vector<char> switch_at_trial_;  ///< the tests at the end of the trial that changed one
  Eigen::VectorXd switch_x_hi_;        ///< the state there
  Eigen::VectorXd saved_;              ///< a trial's start, while its step is accepted to bracket a switch
  const std::vector<Eigen::Index> no_zeros_;
  std::vector<char> switch_changed_;  ///< the tests that changed at the last restart
  int restarts_in_place_ = 0;         ///< restarts since the last accepted step
  long accepted_ = 0;                 ///< accepted steps while watching switches
  std::vector<long> flipped_at_;      ///< accepted_ at each switch's last change
  std::vector<int> quick_flips_;      ///< changes in a row within 2 steps of the one before
  Clock::time_point start_;
  std::unique_ptr<Stepper> stepper_;
  bool on_rk45_ = false;  ///< stepper_ is the explicit method (checked at every step)
  std::optional<StepController> controller_;
  std::string methods_used_;
  int stiff_checks_to_switch_ = stiff_checks_to_switch;  ///< doubled by each return to rk45
  const std::vector<SampleTime>* samples_ = nullptr;
  std::size_t next_sample_ = 0;
  Eigen::VectorXd scratch_, locate_, probe_, probe_dxdt_;
  std::vector<Eigen::Index> set_to_zero_;
  Eigen::Index last_negative_ = 0;
};

}  // namespace

IntegrationResult integrate(OdeSystem& system, const Eigen::VectorXd& x0, double t0,
                            const std::vector<Event>& events,
                            const std::vector<SampleTime>& samples,
                            const SolverOptions& options) {
  return integrate(system, x0, t0, events, samples, options, StepperFactory{});
}

IntegrationResult integrate(OdeSystem& system, const Eigen::VectorXd& x0, double t0, const std::vector<Event>& events,
                            const std::vector<SampleTime>& samples, const SolverOptions& options,
                            const StepperFactory& rosenbrock, const StepperFactory& explicit_rk) {
  options.validate(system.size());
  IntegrationResult result;
  if (static_cast<std::size_t>(x0.size()) != system.size()) {
    result.status = Status::error;
    result.message = fmt::format("initial state has {} values, the system has {} states",
                                 x0.size(), system.size());
    result.states = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(samples.size()),
                                              static_cast<Eigen::Index>(system.size()), nan);
    return result;
  }
  Integrator integrator(system, options, result, rosenbrock, explicit_rk);
  integrator.run(x0, t0, events, samples);
  integrator.finish();
  return result;
}

}  // namespace exvivo::solve
