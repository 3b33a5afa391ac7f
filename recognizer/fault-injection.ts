/**
 * Test-only fault switch (recognizer/README.md): with FACETRAIL_FAULT_CRASH_PATH set, Identify
 * on an image whose path contains it kills this whole process once inference has started, as a
 * photo that crashes native code would. The fault suite uses it; production never sets it.
 */
export function crashesOn(faultCrashPath: string | undefined, imagePath: string | undefined) {
  return Boolean(faultCrashPath && imagePath?.includes(faultCrashPath));
}

/**
 * SIGKILL of this process, a moment later so that the `inference-started` header already sent
 * reaches the caller (the crash must look like one during inference, not a refused call).
 */
export function killThisProcessSoon(delayMs = 100): void {
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), delayMs);
}
