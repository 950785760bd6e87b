// The kernels the tensor core calls. Only this file is imported from outside kernels/.
export { matmul, matmulReference, type MatmulOptions } from './matmul.js';
