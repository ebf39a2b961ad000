export { writeWithBackpressure, type WriteStats } from './write-stream.js';
