int cnn_cpng_placeholder(void);
