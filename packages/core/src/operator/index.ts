export { createOperator } from "./create-operator.ts";
export type { Operator, OperatorCancelOptions, OperatorOptions } from "./operator.ts";
