import { Admission, type AdmissionJob } from '../../src/transport/admission.js';

interface GateJob extends AdmissionJob {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** An Admission whose jobs are promises, so a test can await its turn: `await gate.enter()`. */
export function promiseGate(limit: number): { enter: (signal?: AbortSignal) => Promise<void>; leave: () => void; readonly inside: number; readonly waiting: number } {
  const admission = new Admission<GateJob>(
    limit,
    (job) => job.resolve(),
    (job, error) => job.reject(error),
  );
  return {
    enter: (signal) => new Promise<void>((resolve, reject) => admission.enter({ resolve, reject, queuePrev: undefined, queueNext: undefined, queueAbort: undefined }, signal)),
    leave: () => admission.leave(),
    get inside() {
      return admission.inside;
    },
    get waiting() {
      return admission.waiting;
    },
  };
}
