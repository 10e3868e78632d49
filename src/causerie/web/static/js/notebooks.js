// The notebooks page: plain forms (create, rename, delete); deleting asks first.

import { wireConfirmations } from "./common.js";

wireConfirmations();
