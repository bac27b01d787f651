import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function n(e){let t=c=>({apiVersion:"v1",kind:"ConfigMap",namespace:e["aio-namespace"],name:c});return{clientSecret:{apiVersion:"v1",kind:"Secret",namespace:e.namespace,name:e["client-cert-secret"]},trustedCa:t(e["trusted-ca-configmap"]),brokerCa:t(e["broker-ca-configmap"])}}export{n as a};
