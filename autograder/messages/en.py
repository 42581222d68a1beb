"""English: the catalogue every other language follows, key for key and placeholder for placeholder.

Keys: ``section:`` and ``check:`` the rubric's names, ``label:`` what a probe's output is to a student,
``mistake:`` the catalogue of known mistakes (``diagnose.MISTAKES``), ``generic:`` mistakes read off one
array, and the rest the grader's sentences, grouped by the module that says them.
"""

MESSAGES = {
    # --- sections (rubric.SECTIONS) ---
    "section:ReLU": "ReLU",
    "section:FullyConnected": "FullyConnected",
    "section:SoftMax": "SoftMax",
    "section:CrossEntropy": "CrossEntropy",
    "section:Model": "Model",
    "section:Sigmoid": "Sigmoid",

    # --- checks (rubric.SECTIONS) ---
    "check:forward on random inputs": "forward on random inputs",
    "check:forward on edge inputs (N = 1, zeros, ±1e-12, ±1000)": "forward on edge inputs (N = 1, zeros, ±1e-12, ±1000)",
    "check:backward matches the reference": "backward matches the reference",
    "check:backward passes the numeric gradient check": "backward passes the numeric gradient check",
    "check:vectorised: no Python loops": "vectorised: no Python loops",
    "check:_init_parameters: shapes, zero bias, uses init_weights": "_init_parameters: shapes, zero bias, uses init_weights",
    "check:forward on random inputs (tanh)": "forward on random inputs (tanh)",
    "check:forward with N = 1": "forward with N = 1",
    "check:backward: dX matches the reference": "backward: dX matches the reference",
    "check:backward: dW matches the reference": "backward: dW matches the reference",
    "check:backward: db matches the reference": "backward: db matches the reference",
    "check:backward passes the numeric gradient check (dX, dW, db)": "backward passes the numeric gradient check (dX, dW, db)",
    "check:forward on random logits": "forward on random logits",
    "check:forward through two layers": "forward through two layers",
    "check:backward: dX and every layer's gradients match the reference": "backward: dX and every layer's gradients match the reference",
    "check:forward on random inputs (practice)": "forward on random inputs (practice)",
    "check:forward on edge inputs, no overflow at ±1000 (practice)": "forward on edge inputs, no overflow at ±1000 (practice)",
    "check:backward matches the reference (practice)": "backward matches the reference (practice)",
    "check:backward passes the numeric gradient check (practice)": "backward passes the numeric gradient check (practice)",

    # --- labels: what a probe's output is (rubric.key_label) ---
    "label:Y": "forward(Z)",
    "label:Y1": "forward(Z) with N = 1",
    "label:Yk": "forward(Z) at z = 0 and ±1e-12",
    "label:Ybig": "forward(Z) at ±1000 and with one class dominant",
    "label:Ylin": "forward(X) with the identity activation",
    "label:dZ": "backward(dY)",
    "label:dZ2": "backward(dY) after a second forward on new inputs",
    "label:dY_after": "dY after backward (backward must not change it)",
    "label:dZk": "backward(dY) at z = 0",
    "label:asked": "the shape passed to init_weights",
    "label:W": 'parameters["W"]',
    "label:b": 'parameters["b"]',
    "label:gW": 'gradients["W"] after _init_parameters',
    "label:gb": 'gradients["b"] after _init_parameters',
    "label:dX": "dX returned by backward",
    "label:dW": 'gradients["W"]',
    "label:db": 'gradients["b"]',
    "label:dW2": 'gradients["W"] after a second forward/backward',
    "label:db2": 'gradients["b"] after a second forward/backward',
    "label:loss": "the loss",
    "label:lossbig": "the loss at logits of ±1000 and with one class dominant",
    "label:loss1": "the loss with N = 1",
    "label:dL": "backward()",
    "label:dLbig": "backward() at logits of ±1000 and with one class dominant",
    "label:dL1": "backward() with N = 1",
    "label:fc_forward.Y": "forward(X)",
    "label:fc_forward.Y1": "forward(X) with N = 1",
    "label:model.logits": "the network's output",
    "label:model.loss": "the loss of the network's output",
    "label:model.dX": "dX returned by the network's backward",
    "label:model.dW1": 'layer 1 gradients["W"]',
    "label:model.db1": 'layer 1 gradients["b"]',
    "label:model.dW2": 'layer 2 gradients["W"]',
    "label:model.db2": 'layer 2 gradients["b"]',

    # --- the catalogue of known mistakes (diagnose.MISTAKES) ---
    "mistake:inplace_dY": "backward changed dY in place (e.g. dY[...] = 0 or dY *= ...); compute a new array: "
                          "the caller still owns dY",
    "mistake:relu_identity": "forward returned Z unchanged; ReLU is max(0, Z)",
    "mistake:relu_abs": "forward returned |Z|; ReLU is max(0, Z)",
    "mistake:relu_mask_forward": "forward returned the 0/1 mask (Z > 0) instead of the values max(0, Z)",
    "mistake:relu_kink_forward": "forward is wrong only at z = 0 (a NaN from dividing by |z|?): max(0, z) is "
                                 "0 for z <= 0 and z itself for every z > 0, however small",
    "mistake:relu_output_times_dY": "backward multiplied dY by the output max(0, Z); the derivative is the 0/1 "
                                    "mask (Z > 0)",
    "mistake:relu_mask_only": "backward returned the mask (Z > 0) alone; multiply it by the upstream dY",
    "mistake:relu_no_mask": "backward returned dY unchanged; multiply it by the mask (Z > 0)",
    "mistake:relu_mask_from_dY": "the mask was taken from the upstream gradient (dY > 0); it comes from the "
                                 "forward's input: (Z > 0), with Z from the cache",
    "mistake:softmax_wrong_axis": "softmax normalised over the wrong axis: each ROW (one sample, axis 1) must "
                                  "sum to 1",
    "mistake:softmax_unnormalised": "forward returned exp(Z) without dividing by each row's sum",
    "mistake:softmax_no_shift": "exp overflowed on logits of ±1000: subtract each row's maximum before exp "
                                "(softmax(z) = softmax(z - max z))",
    "mistake:softmax_diagonal_only": "backward used only the diagonal of the Jacobian, dY * Y * (1 - Y); the "
                                     "off-diagonal terms -y_i y_j are missing: each row of dZ is Y times (dY "
                                     "minus the row's sum of dY * Y)",
    "mistake:fc_init_shape_swapped": "asked init_weights for shape (n_out, n_in); W has shape (n_in, n_out)",
    "mistake:fc_init_zero": "W starts as all zeros: every hidden unit then computes the same thing and gets "
                            "the same gradient, so they never differ; make W with self.init_weights((n_in, "
                            "n_out)) (only the bias starts at 0)",
    "mistake:fc_init_ignored": "W was not made by self.init_weights((n_in, n_out)); use the layer's "
                               "initialiser, it is what the weight_init argument chose",
    "mistake:fc_no_bias": "forward left out the bias: Z is X times W plus b",
    "mistake:fc_no_activation": "forward returned Z = X W + b without applying the activation",
    "mistake:fc_skip_activation_backward": "backward skipped the activation: first dZ = the activation's "
                                           "backward of dLdY, then use dZ for dX, dW and db",
    "mistake:fc_dW_transposed": "dW is transposed: dW has the shape of W, (n_in, n_out), which X.T times dZ gives",
    "mistake:fc_db_not_summed": "db was not summed over the batch: db is dZ summed over axis 0, shape (1, n_out)",
    "mistake:fc_db_wrong_shape": "db has the wrong shape: sum dZ over the batch (axis 0) only, keeping one "
                                 "value per output unit, shape (1, n_out)",
    "mistake:fc_mean": "the gradients have an extra 1/N: the loss already averages over the batch, so the "
                       "layer sums over it",
    "mistake:fc_accumulated": "the gradients of the second backward were added to those of the first: assign "
                              "them (=), don't accumulate (+=)",
    "mistake:ce_sum_not_mean": "the loss is summed over the batch; it is the mean (divide by N)",
    "mistake:ce_grad_no_mean": "backward misses the 1/N of the mean: dL/dlogits is (softmax - Y) / N",
    "mistake:ce_grad_logits": "backward used the logits (or the log-probabilities) where softmax(logits) "
                              "belongs: (softmax - Y) / N",
    "mistake:model_forward_last_layer_only": "forward did not chain the layers: the output of each layer is "
                                             "the input of the next",
    "mistake:model_returns_probabilities": "forward returned probabilities (a softmax of the last layer's "
                                           "output); the network returns the logits, and the loss applies "
                                           "the softmax itself",
    "mistake:model_backward_skips_first_layer": "backward stopped before the first layer: its gradients were "
                                                "never computed; go through every layer, last to first",
    "mistake:model_backward_wrong_order": "backward visited the layers first to last: the gradient flows "
                                          "backwards, so go from the last layer to the first "
                                          "(reversed(self.layers))",
    "mistake:relu_mask_ge": "the gradient at z = 0 is taken as 1 (Z >= 0). Any value in [0, 1] is a valid subgradient"
                            " there and this costs nothing; the usual convention (PyTorch's, NumPy's np.heaviside(Z, "
                            "0)) is 0, with Z > 0",
    "mistake:ce_no_logsumexp": "the loss is not finite for logits of ±1000: a probability rounds to 0 and its log is "
                               "-inf (or exp overflows). The homework does not ask for this; to handle it, compute "
                               "log-softmax directly: z - max(z) - log(sum(exp(z - max(z))))",
    "mistake:ce_log_eps": "at logits of ±1000 the loss is finite but not the true one: a probability rounds to 0, and"
                          " an eps in log(p + eps) caps -log p at -log(eps). The homework does not ask for this; "
                          "computing log-softmax directly (z - max(z) - log(sum(exp(z - max(z))))) needs no eps",
    "mistake:ce_grad_through_probabilities": "at logits of ±1000 the gradient differs: dividing by a probability that"
                                             " rounds to 0 (Y / softmax) loses it. The homework does not ask for "
                                             "this; (softmax(logits) - Y) / N, derived on paper, never divides by a "
                                             "probability",

    # --- mistakes read off one array (diagnose._generic) ---
    "generic:transposed": "{label} is transposed (check the order of the matrix product)",
    "generic:sign": "{label} has the wrong sign",
    "generic:times_n": "{label} is N = {n} times too large: a missing 1/N?",
    "generic:over_n": "{label} is N = {n} times too small: an extra 1/N?",
    "generic:dtype": "{label} came back as {dtype}, not float64: an integer or boolean result rounds the values "
                     "(np.vectorize, for one, takes its output type from the first result unless given "
                     "otypes=[float])",

    # --- comparing arrays (compare.describe) ---
    "describe:shape": "{label} has shape {got}; expected {expected}",
    "describe:nonfinite": "{label} holds {count} ({what}), first at {index}",
    "describe:scalar": "{label} is {got}; expected {expected}",
    "describe:differs": "{label} differs at {index}: expected {expected}, got {got} (largest difference {diff})",
    "describe:nan": "{n} NaN",
    "describe:inf": "{n} inf",
    "describe:nan_and_inf": "{nan} NaN and {inf} inf",
    "describe:value": "the value",

    # --- the judge's reasons (judge.py) ---
    "reason:did_not_come_back": "{label} did not come back",
    "reason:not_numeric_gradient": "not the numeric gradient: {detail}",
    "reason:ended_before": "the section's process {ending} before this check ran",
    "reason:no_result": "no result came back (did the code end the process, e.g. os._exit?)",
    "reason:not_implemented": "{regions} is not implemented yet",
    "reason:not_implemented_many": "{regions} are not implemented yet",
    "reason:raised": "raised {error}",
    "reason:raised_at": "raised {error} ({where})",
    "reason:with_hint": "{reason}; {hint}",
    "reason:malformed": "the result file is malformed",
    "reason:dtype": "{label} has the right values but dtype {dtype}; the inputs are float64 and so must the result be"
                    " (no int, bool or float32)",
    "reason:loaded_code": "your region {region} builds or loads code ({what}, line {line}); only code written in "
                          "the region is graded",
    "reason:loaded_code_run": "your code built or loaded code as it ran (exec or eval of a string, compile, marshal, a "
                              "function made from a code object, a module it wrote, unpickling, another program); "
                              "only code written in the region is graded",
    "reason:oversized": "region {region} is {size}, more than the {limit} a region may hold; it is not graded",
    "where:region_line": "line {line} of your region {region}",
    "where:given_code": "in the given code, {file} line {line}",
    "hint:memory": "ran out of memory: an array far larger than the inputs?",
    "hint:recursion": "a function calls itself without end",
    "hint:name_undefined": "{name} is not defined where it is used: only the code inside the YOUR CODE regions is "
                           "graded, so define helpers and variables inside the region that uses them",
    "hint:key_missing": "{key} was looked up in a cache or dict that does not hold it: does your forward store it "
                        "under the key your backward reads?",

    # --- vectorisation (judge._vectorised) ---
    "vectorised:not_all_implemented": "the section's regions are not all implemented yet",
    "vectorised:syntax_error": "{region} has a syntax error at line {line}",
    "vectorised:unparsable": "{region} cannot be parsed ({error})",
    "vectorised:loop": "{loop} in {region}: use whole-array NumPy operations",
    "vectorised:gated": "no loops, but this is awarded once '{check}' passes",
    "loop:for": "a for loop at line {line}",
    "loop:while": "a while loop at line {line}",
    "loop:comprehension": "a comprehension (a loop) at line {line}",
    "loop:call": "{name}() (a loop in disguise) at line {line}",

    # --- backward against the student's own forward (judge._consistency) ---
    "consistency:forward_wrong": "your backward agrees with central differences of your own forward, but "
                                 "'{check}' failed: the forward is wrong, fix it first",
    "consistency:forward_failed_too": "your backward disagrees with central differences of your own forward, "
                                      "and '{check}' failed too: fix the forward first, then the backward",
    "consistency:forward_failed": "your backward uses what your forward computed, and '{check}' failed: fix "
                                  "the forward first",
    "consistency:backward_wrong": "your forward is right, but your backward disagrees with central "
                                  "differences of it: the mistake is in backward",
    "consistency:backward_consistent": "your backward agrees with central differences of your own forward",

    # --- grading (grade.py) and the sandbox's endings ---
    "ending:ok": "ok",
    "ending:exited": "exited with code {code}",
    "ending:exited_with": "exited with code {code} ({exception})",
    "ending:signal": "killed by signal {name}",
    "ending:crashed": "crashed: {what} ({name})",
    "crash:SIGSEGV": "segmentation fault",
    "crash:SIGBUS": "bus error",
    "crash:SIGFPE": "floating-point exception",
    "crash:SIGILL": "illegal instruction",
    "crash:SIGABRT": "aborted",
    "crash:SIGSYS": "bad system call",
    "ending:timed_out": "timed out after {seconds} s",
    "ending:memory": "killed: memory limit",
    "ending:cpu_time": "killed: CPU time limit",
    "ending:file_size": "killed: file size limit",
    "ending:processes": "killed: process limit",
    "ending:no_report": "ended without a report (the code killed its sandbox's launcher)",

    # --- notices about the submission (load.py, submitted_files.py, grade.py) ---
    "notice:skipped": "{where}: {count} {kind} ignored: {listed}",
    "notice:and_more": "{listed}; and {more} more",
    "notice:graded_one_package": "{where}: graded {graded}; also found modules in {others}, not graded",
    "notice:several_md": "{where}: several submission.md files; graded {graded}",
    "notice:changed_outside": "{where}: changed outside the YOUR CODE regions; only the regions are graded, the "
                              "rest comes from the handout",
    "notice:not_utf8": "{where}: not UTF-8; the bytes that are not were replaced by \ufffd",
    "notice:unknown_region": "{where}: region {region} is not one of the handout's; ignored",
    "notice:region_problem": "{where}: region {region}: {problem}; not graded",
    "notice:missing_regions": "{where}: missing, so not graded: {kind} {regions}",
    "noun:file": "file", "noun:files": "files", "noun:zip entry": "zip entry", "noun:zip entries": "zip entries",
    "noun:region": "region", "noun:regions": "regions",
    "notice:unread": "{where}: {reason}; not graded",
    "notice:sandbox": "sandbox: {isolation}",
    "notice:gb18030": "{where}: not UTF-8; read as GB18030 (GBK), as Chinese Windows editors save it; save it as "
                      "UTF-8",
    "notice:more": "and {count} more notices",

    # --- flags for the TA (grade.py): the terminal and the gradebook ---
    "flag:loaded_code": "loaded code in {section}",
    "flag:slow": "slow: {seconds} s of its {budget} s",

    # --- Gradescope (gradescope/run.py) ---
    "gradescope:nothing_graded": "Nothing could be graded: {error}. {how}",
    "gradescope:how_to_submit": "Upload the files of your <name>_<student id>_{package} folder (the {package} "
                                "package with its .py files, or submission.md), or a zip of it.",
    "gradescope:grader_failed": "The autograder itself failed while grading this submission; this is not a "
                                "problem with your code. Please tell the course staff, who can run the "
                                "autograder again.",
    "gradescope:not_graded": "not graded: see the message above the tests",

    # --- the class summary (batch/summary.py) ---
    "summary:title": "hw1: the class",
    "summary:counts": "{students} students in {entries} entries: {graded} students graded; {errors} entries "
                      "could not be graded, {skipped} skipped.",
    "summary:several_entries": "Students with more than one graded entry: {count}. Each counts once below, by "
                               "their best total (gradebook.csv lists every entry).",
    "summary:section_histograms": "Scores per section",
    "summary:unsubmitted": "Stubs handed in unfilled (0 points): {count}. They count in the scores above, not "
                           "in the checks and mistakes below.",
    "summary:similarity": "Similar code",
    "summary:similarity_none": "No two students' code is at least {threshold} similar (the most similar pair: "
                               "{best}).",
    "summary:similarity_intro": "{count} pairs of students have code at least {threshold} similar: the smaller of "
                                "the two shares of one's graded regions found in the other's, names, comments and "
                                "layout left out (similarity.csv lists every pair). The {shown} most similar, "
                                "with the regions they share:",
    "summary:similarity_pair": "{score}: {a} and {b}",
    "summary:none_graded": "No submissions were graded.",
    "summary:scores": "Scores",
    "summary:scores_header": "| section | out of | mean | median | min | max | students per score |",
    "summary:total": "total",
    "summary:histogram": "Total scores",
    "summary:failed_most": "Checks not passed most often",
    "summary:failed_header": "| check | students | share |",
    "summary:failure_chart": "Share of students not passing each check",
    "summary:diagnoses": "Most common diagnoses",
    "summary:no_diagnosis": "No known mistake was diagnosed.",
    "summary:diagnoses_header": "| likely mistake | students | in checks |",
    "summary:not_graded": "Entries not graded",
    "summary:not_graded_header": "| entry | status | why |",

    # --- statuses ---
    "status:passed": "Passed",
    "status:failed": "Failed",
    "status:not implemented": "Not implemented",
    "status:error": "Error",

    # --- renderers (render/) ---
    "render:ended": "the graded code's run ended: {ending}",
    "render:likely_mistake": "likely mistake: {diagnosis}",
    "feedback:title": "hw1 feedback",
    "feedback:student": "Student",
    "feedback:total": "Total",
    "feedback:notices": "Notices",
    "feedback:sections": "Sections",
    "feedback:section": "Section",
    "feedback:points": "Points",
    "feedback:check": "Check",
    "feedback:result": "Result",
    "feedback:ended": "Your code's run for this section ended",
    "feedback:to_fix": "What to fix",
    "feedback:all_passed": "All checks passed.",
    "feedback:expected_and_got": "Expected and got",
    "feedback:why": "Why",
    "feedback:diagnosis": "Likely mistake",
    "feedback:consistency": "Your backward and your forward",
    "feedback:inputs": "Inputs",
    "feedback:expected": "Expected",
    "feedback:received": "Received",
    "feedback:max_error": "Largest difference",
    "feedback:summary": "shape {shape}, {dtype}, first values {values}",
    "feedback:your_region": "Your region {region}",
    "feedback:your_region_line": "Your region {region}; the mistake is most likely on the line marked >>",
    "terminal:submission": "Submission",
    "terminal:total": "Total",
    "terminal:section_total": "{section} total",
    "terminal:reason": "Reason",
    "terminal:verdict": "Verdict",
    # --- optional sections (issue 7) ---
    'section:L2': 'L2',
    'section:Regression losses': 'Regression losses',
    'section:Computational graph': 'Computational graph',
    'check:l2_penalty on random weights and with weight_decay = 0': 'l2_penalty on random weights and with weight_decay = 0',
    'check:l2_gradient matches the reference and leaves the weights unchanged': 'l2_gradient matches the reference and leaves the weights unchanged',
    'check:l2_gradient passes the numeric gradient check': 'l2_gradient passes the numeric gradient check',
    'check:a network with weight_decay: the loss includes the penalty': 'a network with weight_decay: the loss includes the penalty',
    "check:a network with weight_decay: every layer's gradients match the reference": "a network with weight_decay: every layer's gradients match the reference",
    'check:a network with weight_decay passes the numeric gradient check': 'a network with weight_decay passes the numeric gradient check',
    'check:MSELoss forward on random inputs and N = 1': 'MSELoss forward on random inputs and N = 1',
    'check:MSELoss backward matches the reference': 'MSELoss backward matches the reference',
    'check:MSELoss backward passes the numeric gradient check': 'MSELoss backward passes the numeric gradient check',
    'check:L1Loss forward on random inputs, N = 1 and exact predictions': 'L1Loss forward on random inputs, N = 1 and exact predictions',
    'check:L1Loss backward matches the reference': 'L1Loss backward matches the reference',
    'check:L1Loss backward at exact predictions (subgradient 0)': 'L1Loss backward at exact predictions (subgradient 0)',
    'check:L1Loss backward passes the numeric gradient check': 'L1Loss backward passes the numeric gradient check',
    'check:MulLayer forward on random inputs': 'MulLayer forward on random inputs',
    'check:MulLayer backward matches the reference': 'MulLayer backward matches the reference',
    'check:AddLayer forward on random inputs': 'AddLayer forward on random inputs',
    'check:AddLayer backward matches the reference': 'AddLayer backward matches the reference',
    'check:backward passes the numeric gradient check (MulLayer and AddLayer)': 'backward passes the numeric gradient check (MulLayer and AddLayer)',
    "check:the textbook's shopping example: price 715, gradients 2.2, 110, 3.3, 165, 650": "the textbook's shopping example: price 715, gradients 2.2, 110, 3.3, 165, 650",
    'label:penalty': 'l2_penalty(weights, weight_decay)',
    'label:penalty0': 'l2_penalty(weights, 0)',
    'label:W_after': 'the weights after l2_gradient (it must not change them)',
    'label:l2_terms.dW1': 'l2_gradient(...)[0]',
    'label:l2_terms.dW2': 'l2_gradient(...)[1]',
    'label:l2_model.loss': 'the loss with weight_decay (mean loss + penalty)',
    'label:l2_model.dW1': 'layer 1 gradients["W"] with weight_decay',
    'label:l2_model.db1': 'layer 1 gradients["b"]',
    'label:l2_model.dW2': 'layer 2 gradients["W"] with weight_decay',
    'label:l2_model.db2': 'layer 2 gradients["b"]',
    'label:lossk': 'the loss where some predictions equal their targets',
    'label:dLk': 'backward() where some predictions equal their targets (subgradient 0 there)',
    'label:mul': 'MulLayer forward(x, y)',
    'label:dmul_x': 'dx of MulLayer backward(dout)',
    'label:dmul_y': 'dy of MulLayer backward(dout)',
    'label:add': 'AddLayer forward(x, y)',
    'label:dadd_x': 'dx of AddLayer backward(dout)',
    'label:dadd_y': 'dy of AddLayer backward(dout)',
    'label:price': "the shopping example's price (715)",
    'label:dapple': 'd price / d apple (2.2)',
    'label:dapple_count': 'd price / d apple_num (110)',
    'label:dorange': 'd price / d orange (3.3)',
    'label:dorange_count': 'd price / d orange_num (165)',
    'label:dtax': 'd price / d tax (650)',
    "check:note: backward at the kink z = 0": "note: backward at the kink z = 0",
    "check:forward on large logits (±1000): the max shift": "forward on large logits (±1000): the max shift",
    "check:note: forward on large logits (±1000)": "note: forward on large logits (±1000)",
    "check:note: backward on large logits (±1000)": "note: backward on large logits (±1000)",
    "status:note": "Note",
    "feedback:notes": "Notes (0 points)",
    "feedback:notes_intro": "Beyond what the homework asks: these cost no points, and are worth knowing.",
}
