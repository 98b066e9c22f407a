// Runs before every test file (vitest setupFiles): the file's temporary folders go after its last hook.
import { registerFileCleanup } from "./temp-dir.ts";

registerFileCleanup();
