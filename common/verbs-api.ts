/**
 * Inputs and results of kill, pause, unpause and exec (the verbs beside the ones in ops-api.ts). Types only:
 * workflow code may import this file.
 */

export interface KillInput {
  container: string;
  /** as given to `kill -s` (a name or a number); default KILL */
  signal?: string;
}
export interface KillResult {
  containerId: string;
  /** the signal number sent */
  signal: number;
}

export interface PauseInput {
  container: string;
}
export interface PauseResult {
  containerId: string;
}

/** docker exec; its stdin and terminal are served on its host's machine (runtime/stdio/). */
export interface ExecInput {
  container: string;
  /** 64 hex digits chosen by the client, so it can page the output while the exec runs; else one is made */
  execId?: string;
  cmd: string[];
  /** KEY=VALUE pairs that replace or add to the container's environment (-e) */
  env?: string[];
  /** working directory in the container (-w); default the container's */
  workingDir?: string;
  /** -u user[:group], resolved in the container's /etc/passwd and /etc/group; default the container's user */
  user?: string;
  /** -t: a pty */
  tty?: boolean;
  /** -i: its stdin is what clients write to its attach socket (else /dev/null) */
  stdin?: boolean;
  /** -t: the pty's first size, [rows, cols] (Docker's ConsoleSize) */
  consoleSize?: [number, number];
}

/** What an exec ended with: its exit code, and Docker's message when the command could not be started. */
export interface ExecResult {
  containerId: string;
  execId: string;
  exitCode: number;
  /** "OCI runtime exec failed: …" when the command was not found (127) or not invocable (126) */
  error?: string;
}

/** One page of an exec's output: stdout and stderr each from their own cursor. */
export interface ExecOutputInput {
  /** the full container ID */
  container: string;
  execId: string;
  stdout?: number;
  stderr?: number;
}
export interface ExecOutputPage {
  text: string;
  next: number;
  more: boolean;
}
export interface ExecOutputResult {
  stdout: ExecOutputPage;
  stderr: ExecOutputPage;
}
