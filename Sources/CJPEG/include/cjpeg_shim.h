int cnn_cjpeg_placeholder(void);
