# R deSolve's lsoda on the exported leukocyte run (bench/leukocyte_peers):
# compiled C right-hand side (and Jacobian) from the model's generated code,
# the protocol as deSolve events (events = list(data = ...)).
#
#   Rscript desolve_lsoda.R DIR TOLS ABS_RATIO BATCH_SECONDS BATCHES [LABEL]
#
# DIR holds the exported files and leuko.so; TOLS is a comma-separated list of
# rtol values (atol = rtol * ABS_RATIO). For each configuration below and
# tolerance: one solve whose states at the samples go to
# DIR/<solver>_<LABEL><k>.csv (k = position in TOLS), then BATCHES batches of repeated solves, each lasting about
# BATCH_SECONDS of CPU time. Prints CSV:
#   solver,k,rtol,status,cpu_us,steps,rhs_evals,jacobian_evals
# cpu_us = median over batches of the process CPU time (user + system) per
# solve, including deSolve's R-level argument handling, as a user calls it.
suppressMessages(library(deSolve))
a <- commandArgs(trailingOnly = TRUE)
dir <- a[1]
tols <- as.numeric(strsplit(a[2], ",")[[1]])
abs_ratio <- as.numeric(a[3])
batch_seconds <- as.numeric(a[4])
batches <- as.integer(a[5])
label <- if (length(a) > 5) a[6] else ""

dyn.load(file.path(dir, "leuko.so"))
x0 <- scan(file.path(dir, "x0.csv"), quiet = TRUE)
names_csv <- read.csv(file.path(dir, "names.csv"), stringsAsFactors = FALSE)
names(x0) <- names_csv$name[names_csv$kind == "species"]  # checkevents needs named states
t0 <- scan(file.path(dir, "t0.csv"), quiet = TRUE)
samples <- read.csv(file.path(dir, "samples.csv"))$time
ev <- read.csv(file.path(dir, "events.csv"), stringsAsFactors = FALSE)
# deSolve wants event times among the output times; their rows are dropped.
times <- sort(unique(c(t0, samples, ev$time)))
keep <- match(samples, times)

cpu <- function() {
  p <- proc.time()
  p[["user.self"]] + p[["sys.self"]]
}

# Configurations: name, Jacobian, event form. Compiled events (the wrapper's
# `event`) are deSolve's cheapest route; a data frame of events costs an R-level
# aggregate() per lsoda() call (checkevents), measured once as "desolve_data".
configs <- list(list(name = "desolve_int", jac = "int", events = "func"),
                list(name = "desolve_usr", jac = "usr", events = "func"),
                list(name = "desolve_data", jac = "int", events = "data"))
event_times <- sort(unique(ev$time))
cat("solver,k,rtol,status,cpu_us,steps,rhs_evals,jacobian_evals\n")
for (cf in configs) {
  for (k in seq_along(tols)) {
    tol <- tols[k]
    events <- if (cf$events == "func") list(func = "event", time = event_times) else list(data = ev)
    jacfunc <- if (cf$jac == "usr") "jac" else NULL
    jactype <- if (cf$jac == "usr") "fullusr" else "fullint"
    run <- function() {
      lsoda(x0, times, func = "derivs", parms = NULL, dllname = "leuko", initfunc = "initmod",
            jacfunc = jacfunc, jactype = jactype, rtol = tol, atol = tol * abs_ratio,
            events = events, maxsteps = 1e7)
    }
    c0 <- cpu()
    out <- run()
    first <- cpu() - c0
    istate <- attr(out, "istate")
    ok <- istate[1] == 2
    write.table(format(out[keep, -1, drop = FALSE], digits = 17), sep = ",", quote = FALSE,
                row.names = FALSE, col.names = FALSE,
                file = file.path(dir, sprintf("%s_%s%d.csv", cf$name, label, k)))
    reps <- max(1L, as.integer(ceiling(batch_seconds / max(first, 1e-4))))
    per <- numeric(batches)
    for (b in seq_len(batches)) {
      c0 <- cpu()
      for (i in seq_len(reps)) run()
      per[b] <- (cpu() - c0) / reps
    }
    # deSolve restarts LSODA at every event, which resets its counters: the
    # step and evaluation counts are those of the last segment only.
    cat(sprintf("%s,%d,%.6g,%s,%.3f,%d,%d,%d\n", cf$name, k, tol, if (ok) "ok" else "failed",
                1e6 * median(per), istate[2], istate[3], istate[14]))
  }
}
