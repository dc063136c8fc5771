"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=kind.js.map