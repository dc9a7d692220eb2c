package io.jobpool.function.process;

import java.util.Map;

/** Words for a process's exit status; the JVM reports death by signal N as the exit value 128 + N. */
final class ExitCodes {

    private static final Map<Integer, String> SIGNALS = Map.of(1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 4, "SIGILL",
            6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

    private ExitCodes() {
    }

    static String describe(int exitValue) {
        if (exitValue > 128 && exitValue <= 128 + 64) {
            int signal = exitValue - 128;
            String name = SIGNALS.getOrDefault(signal, "signal " + signal);
            String hint = signal == 9 ? ", as the kernel's OOM killer does" : "";
            return "was killed by signal " + signal + " (" + name + hint + ")";
        }
        return "exited with code " + exitValue;
    }
}
