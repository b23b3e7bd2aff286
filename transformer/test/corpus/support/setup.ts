export const configured = true;
