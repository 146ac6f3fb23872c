/** Small files that must survive a crash whole: written beside, fsynced, then renamed over (`#platform/storage`). */
export { writeFileDurably, readTextFile, pathExists } from '#platform/storage'
